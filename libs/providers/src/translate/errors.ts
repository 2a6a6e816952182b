import { GatewayError, errorKindInfo, type AnthropicErrorBody, type OpenAIErrorBody } from '@lessllm/shared';
import { isRecord } from './guards';

const MAX_RAW_MESSAGE_CHARS = 500;

interface OpenAIErrorKind {
  type: string;
  code: string | null;
}

/** Anthropic error type -> OpenAI `{type, code}`. OpenAI has no overload type, so `server_error`/`overloaded` (§3.4). */
const OPENAI_ERROR_BY_ANTHROPIC_TYPE = new Map<string, OpenAIErrorKind>(
  Object.entries({
    invalid_request_error: { type: 'invalid_request_error', code: null },
    authentication_error: { type: 'authentication_error', code: null },
    permission_error: { type: 'permission_error', code: null },
    not_found_error: { type: 'invalid_request_error', code: 'not_found' },
    request_too_large: { type: 'invalid_request_error', code: 'request_too_large' },
    rate_limit_error: { type: 'rate_limit_error', code: 'rate_limit_exceeded' },
    billing_error: { type: 'insufficient_quota', code: 'insufficient_quota' },
    api_error: { type: 'server_error', code: null },
    overloaded_error: { type: 'server_error', code: 'overloaded' },
    timeout_error: { type: 'timeout_error', code: 'timeout' },
  }),
);

/** HTTP status -> Anthropic error type (providers.md §2.7), or undefined when the status is not an error. */
export function anthropicErrorTypeForStatus(status: number): string | undefined {
  switch (status) {
    case 400:
      return 'invalid_request_error';
    case 401:
      return 'authentication_error';
    case 402:
      return 'billing_error';
    case 403:
      return 'permission_error';
    case 404:
      return 'not_found_error';
    case 413:
      return 'request_too_large';
    case 429:
      return 'rate_limit_error';
    case 503: // OpenAI's "engine is currently overloaded"
    case 529:
      return 'overloaded_error';
    case 504:
      return 'timeout_error';
  }
  if (status >= 500) return 'api_error';
  if (status >= 400) return 'invalid_request_error';
  return undefined;
}

function openaiErrorKindForAnthropicType(anthropicType: string): OpenAIErrorKind {
  return OPENAI_ERROR_BY_ANTHROPIC_TYPE.get(anthropicType) ?? { type: 'server_error', code: null };
}

function anthropicTypeForOpenAIError(type: unknown, code: unknown): string {
  if (code === 'overloaded') return 'overloaded_error';
  if (code === 'insufficient_quota' || type === 'insufficient_quota') return 'billing_error';
  if (code === 'rate_limit_exceeded' || type === 'rate_limit_error' || type === 'requests' || type === 'tokens') {
    return 'rate_limit_error';
  }
  switch (type) {
    case 'invalid_request_error':
    case 'authentication_error':
    case 'permission_error':
    case 'timeout_error':
      return type;
    default:
      return 'api_error';
  }
}

/** The body as JSON when it is JSON (string or bytes), otherwise the raw text; objects are returned as they are. */
function parseBody(body: unknown): unknown {
  const text = body instanceof Uint8Array ? new TextDecoder().decode(body) : body;
  if (typeof text !== 'string') return text;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** `{error: {...}}` as OpenAI, Anthropic and most compatible providers send it; some wrap it in an array. */
function errorObject(parsed: unknown): Record<string, unknown> | undefined {
  const top = Array.isArray(parsed) ? (parsed[0] as unknown) : parsed;
  if (!isRecord(top)) return undefined;
  return isRecord(top.error) ? top.error : top;
}

function errorMessage(parsed: unknown): string | undefined {
  if (typeof parsed === 'string') return parsed.trim().slice(0, MAX_RAW_MESSAGE_CHARS) || undefined;
  const top = Array.isArray(parsed) ? (parsed[0] as unknown) : parsed;
  if (isRecord(top) && typeof top.error === 'string') return top.error;
  const err = errorObject(parsed);
  if (!err) return undefined;
  for (const key of ['message', 'detail'] as const) {
    if (typeof err[key] === 'string' && err[key]) return err[key];
  }
  return undefined;
}

function fallbackMessage(status: number): string {
  return `upstream returned HTTP ${status} without an error message`;
}

/** An OpenAI-format error response (or garbage) as an Anthropic error body. */
export function openaiErrorToAnthropic(body: unknown, status: number): AnthropicErrorBody {
  const parsed = parseBody(body);
  const err = errorObject(parsed);
  const type = anthropicErrorTypeForStatus(status) ?? anthropicTypeForOpenAIError(err?.type, err?.code);
  return { type: 'error', error: { type, message: errorMessage(parsed) ?? fallbackMessage(status) } };
}

/** An Anthropic-format error response (or garbage) as an OpenAI error body. */
export function anthropicErrorToOpenAI(body: unknown, status: number): OpenAIErrorBody {
  const parsed = parseBody(body);
  const bodyType = errorObject(parsed)?.type;
  const anthropicType =
    anthropicErrorTypeForStatus(status) ??
    (typeof bodyType === 'string' && bodyType !== 'error' ? bodyType : 'api_error');
  const { type, code } = openaiErrorKindForAnthropicType(anthropicType);
  return { error: { message: errorMessage(parsed) ?? fallbackMessage(status), type, param: null, code } };
}

/** An Anthropic mid-stream `error` event's payload as the OpenAI error chunk body. */
export function anthropicStreamErrorToOpenAI(error: { type: string; message: string }): OpenAIErrorBody {
  const { type, code } = openaiErrorKindForAnthropicType(error.type);
  return { error: { message: error.message, type, param: null, code } };
}

/**
 * Whatever ended an OpenAI upstream stream (its mid-stream `{error}` body, a GatewayError, an Error) as the
 * payload of an Anthropic `error` event.
 */
export function toAnthropicStreamError(err: unknown): AnthropicErrorBody['error'] {
  if (err instanceof GatewayError) return { type: errorKindInfo(err.kind).anthropicType, message: err.message };
  if (err instanceof Error) return { type: 'api_error', message: err.message || 'upstream stream failed' };
  const parsed = parseBody(err);
  const obj = errorObject(parsed);
  return {
    type: anthropicTypeForOpenAIError(obj?.type, obj?.code),
    message: errorMessage(parsed) ?? 'upstream stream failed',
  };
}
