import { z } from 'zod';
import { nonEmptyString, optionalInt, optionalNumber } from '../common/validate';

const content = z.union([z.string(), z.array(z.looseObject({ type: nonEmptyString })), z.null()]);

export const chatRequestSchema = z.looseObject({
  model: nonEmptyString,
  messages: z
    .array(
      z.looseObject({
        role: z.enum(['system', 'developer', 'user', 'assistant', 'tool', 'function']),
        content: content.optional(),
      }),
    )
    .min(1, 'must contain at least one message'),
  stream: z.boolean().nullish(),
  stream_options: z.looseObject({ include_usage: z.boolean().optional() }).nullish(),
  temperature: optionalNumber,
  top_p: optionalNumber,
  n: optionalInt,
  max_tokens: optionalInt,
  max_completion_tokens: optionalInt,
  tools: z
    .array(z.looseObject({ type: z.string(), function: z.looseObject({ name: nonEmptyString }).optional() }))
    .nullish(),
});
