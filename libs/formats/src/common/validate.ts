import { GatewayError } from '@lessllm/shared';
import { z } from 'zod';

// Shape checks only: enough to answer 400 naming the field before anything is sent upstream.
// Objects are loose so fields we do not know pass through to the provider untouched.

export const nonEmptyString = z.string().min(1, 'must be a non-empty string');
export const optionalNumber = z.number().nullish();
export const optionalInt = z.number().int().nullish();

function paramOf(path: ReadonlyArray<PropertyKey>): string {
  return path.reduce<string>(
    (acc, part) => (typeof part === 'number' ? `${acc}[${part}]` : acc ? `${acc}.${String(part)}` : String(part)),
    '',
  );
}

/** Validates a parsed JSON body; throws a 400 GatewayError naming the first bad field. */
export function validateBody<T = Record<string, unknown>>(schema: z.ZodType<T>, body: unknown): T {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw GatewayError.invalid(
      'body',
      'The request body must be a JSON object, sent with content-type: application/json.',
    );
  }
  const result = schema.safeParse(body);
  if (result.success) return body as T; // the caller's object itself: unknown fields stay as sent
  const issue = result.error.issues[0];
  const param = paramOf(issue.path) || 'body';
  const missing = issue.code === 'invalid_type' && issue.input === undefined;
  const message = missing
    ? `Missing required parameter: '${param}'.`
    : `Invalid value for '${param}': ${issue.message}.`;
  throw new GatewayError('invalid_request', message, param, missing ? 'missing_required_parameter' : 'invalid_value');
}
