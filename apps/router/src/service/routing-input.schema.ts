import type { RoutingInput } from '@lessllm/shared';
import { z } from 'zod';

const routingInputSchema = z.strictObject({
  messages: z.array(z.strictObject({ role: z.enum(['system', 'user', 'assistant', 'tool']), text: z.string() })),
  tools: z.boolean(),
  jsonOutput: z.boolean(),
  maxTokens: z.number().int().nonnegative().nullable(),
});

/** Checks a decide request from NATS; throws an Error naming the first bad field. */
export function parseRoutingInput(payload: unknown): RoutingInput {
  const result = routingInputSchema.safeParse(payload);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = issue.path.map(String).join('.') || 'payload';
  throw new Error(`invalid routing input: ${path}: ${issue.message}`);
}
