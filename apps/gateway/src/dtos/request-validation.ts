import { GatewayError } from '@lessllm/shared';
import { z } from 'zod';

// Shape checks only: enough to answer 400 naming the field before anything is sent upstream.
// Objects are loose so fields we do not know pass through to the provider untouched.

const nonEmptyString = z.string().min(1, 'must be a non-empty string');
const optionalNumber = z.number().nullish();
const optionalInt = z.number().int().nullish();

const openAIContent = z.union([z.string(), z.array(z.looseObject({ type: nonEmptyString })), z.null()]);

export const openAIChatRequestSchema = z.looseObject({
  model: nonEmptyString,
  messages: z
    .array(
      z.looseObject({
        role: z.enum(['system', 'developer', 'user', 'assistant', 'tool', 'function']),
        content: openAIContent.optional(),
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

export const anthropicMessagesRequestSchema = z.looseObject({
  model: nonEmptyString,
  max_tokens: z.number({ message: 'is required and must be a number' }).int().min(1),
  messages: z
    .array(
      z.looseObject({
        role: z.enum(['user', 'assistant']),
        content: z.union([z.string(), z.array(z.looseObject({ type: nonEmptyString }))]),
      }),
    )
    .min(1, 'must contain at least one message'),
  system: z.union([z.string(), z.array(z.looseObject({ type: z.literal('text'), text: z.string() }))]).optional(),
  stream: z.boolean().optional(),
  temperature: z.number().optional(),
  tools: z.array(z.looseObject({ name: nonEmptyString })).optional(),
});

export const embeddingsRequestSchema = z.looseObject({
  model: nonEmptyString,
  input: z.union([
    z.string(),
    z.array(z.string()).min(1, 'must not be empty'),
    z.array(z.number()).min(1, 'must not be empty'),
    z.array(z.array(z.number())).min(1, 'must not be empty'),
  ]),
});

function paramOf(path: ReadonlyArray<PropertyKey>): string {
  return path.reduce<string>(
    (acc, part) => (typeof part === 'number' ? `${acc}[${part}]` : acc ? `${acc}.${String(part)}` : String(part)),
    '',
  );
}

/** Validates a parsed JSON body; throws a 400 GatewayError naming the first bad field. */
export function validateBody<T>(schema: z.ZodType<T>, body: unknown): T {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw GatewayError.invalid(
      'body',
      'The request body must be a JSON object, sent with content-type: application/json.',
    );
  }
  const result = schema.safeParse(body);
  if (result.success) return body as T;
  const issue = result.error.issues[0];
  const param = paramOf(issue.path) || 'body';
  const missing = issue.code === 'invalid_type' && issue.input === undefined;
  const message = missing
    ? `Missing required parameter: '${param}'.`
    : `Invalid value for '${param}': ${issue.message}.`;
  throw new GatewayError('invalid_request', message, param, missing ? 'missing_required_parameter' : 'invalid_value');
}
