import { z } from 'zod';
import { nonEmptyString } from '../common/validate';

const systemBlocks = z.array(z.looseObject({ type: z.literal('text'), text: z.string() }));

export const messagesRequestSchema = z.looseObject({
  model: nonEmptyString,
  max_tokens: z.number({ message: 'is required and must be a number' }).int().min(1),
  messages: z
    .array(
      z.looseObject({
        // `system` turns inside the conversation: Claude Code 2.x sends them (anthropic-2026.md §5).
        role: z.enum(['user', 'assistant', 'system']),
        content: z.union([z.string(), z.array(z.looseObject({ type: nonEmptyString }))]),
      }),
    )
    .min(1, 'must contain at least one message'),
  system: z.union([z.string(), systemBlocks]).optional(),
  stream: z.boolean().optional(),
  temperature: z.number().optional(),
  tools: z.array(z.looseObject({ name: nonEmptyString })).optional(),
});

/** `POST /v1/messages/count_tokens`: the input parts of a Messages request (no max_tokens). */
export const countTokensRequestSchema = messagesRequestSchema.omit({ max_tokens: true, stream: true });
