import { z } from 'zod';
import { nonEmptyString, optionalInt, optionalNumber } from '../common/validate';

export const completionsRequestSchema = z.looseObject({
  model: nonEmptyString,
  prompt: z.union(
    [
      z.string(),
      z.array(z.string()).min(1),
      z.array(z.number().int()).min(1),
      z.array(z.array(z.number().int()).min(1)).min(1),
    ],
    { message: 'must be a string, an array of strings, or token ids' },
  ),
  max_tokens: optionalInt,
  stream: z.boolean().nullish(),
  stream_options: z.looseObject({ include_usage: z.boolean().optional() }).nullish(),
  n: optionalInt,
  best_of: optionalInt,
  logprobs: optionalInt,
  echo: z.boolean().nullish(),
  suffix: z.string().nullish(),
  temperature: optionalNumber,
  top_p: optionalNumber,
  stop: z.union([z.string(), z.array(z.string()).max(4, 'takes at most 4 stop sequences')]).nullish(),
});
