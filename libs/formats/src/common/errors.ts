import { errorKindInfo, GatewayError } from '@lessllm/shared';
import type { NormalizedError } from '../ir/errors';
import { isRecord } from './guards';

const MAX_RAW_MESSAGE_CHARS = 500;

interface OpenAIErrorKind {
  type: string;
  code: string | null;
}

/** Anthropic error type -> OpenAI `{type, code}`. OpenAI has no overload type, so `server_error`/`overloaded`. */
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
    conflict_error: { type: 'invalid_request_error', code: 'conflict' },
  }),
);

/** HTTP status -> Anthropic error type (providers.md §2.7, anthropic-2026.md §9), or undefined below 400. */
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
    case 409:
      return 'conflict_error';
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

export function openaiErrorKindForAnthropicType(anthropicType: string): OpenAIErrorKind {
  return OPENAI_ERROR_BY_ANTHROPIC_TYPE.get(anthropicType) ?? { type: 'server_error', code: null };
}

export function anthropicTypeForOpenAIError(type: unknown, code: unknown): string {
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

const STREAM_ERROR_STATUS: Record<string, number> = {
  invalid_request_error: 400,
  authentication_error: 401,
  billing_error: 402,
  insufficient_quota: 429,
  permission_error: 403,
  not_found_error: 404,
  request_too_large: 413,
  rate_limit_error: 429,
  rate_limit_exceeded: 429,
  api_error: 500,
  server_error: 500,
  overloaded_error: 529,
  timeout_error: 504,
};

/** The HTTP status an error type (either vocabulary) stands for, e.g. for an error event at the start of a stream. */
export function statusForErrorType(type: string): number {
  return STREAM_ERROR_STATUS[type] ?? 502;
}

/** The body as JSON when it is JSON (string or bytes), otherwise the raw text; objects are returned as they are. */
export function parseBody(body: unknown): unknown {
  const text = body instanceof Uint8Array ? new TextDecoder().decode(body) : body;
  if (typeof text !== 'string') return text;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** `{error: {...}}` as OpenAI, Anthropic and most compatible providers send it; some wrap it in an array. */
export function errorObject(parsed: unknown): Record<string, unknown> | undefined {
  const top = Array.isArray(parsed) ? (parsed[0] as unknown) : parsed;
  if (!isRecord(top)) return undefined;
  return isRecord(top.error) ? top.error : top;
}

export function hasErrorObject(value: unknown): boolean {
  return isRecord(value) && isRecord(value.error);
}

export function errorMessage(parsed: unknown): string | undefined {
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

export function fallbackMessage(status: number): string {
  return `upstream returned HTTP ${status} without an error message`;
}

const stringOrNull = (value: unknown): string | null => (typeof value === 'string' ? value : null);

/** An OpenAI-shape error body (or anything else a server sent) as a NormalizedError. */
export function normalizeOpenAIErrorBody(body: unknown, status: number): NormalizedError {
  const parsed = parseBody(body);
  if (hasErrorObject(parsed)) {
    const err = (parsed as { error: Record<string, unknown> }).error;
    return {
      status,
      message: typeof err.message === 'string' && err.message ? err.message : fallbackMessage(status),
      type: typeof err.type === 'string' ? err.type : 'server_error',
      code: stringOrNull(err.code) ?? (typeof err.code === 'number' ? String(err.code) : null),
      param: stringOrNull(err.param),
    };
  }
  return normalizeAnyErrorBody(parsed, status);
}

/** Any error body (Anthropic's, garbage, plain text), classified by status first and its own type second. */
export function normalizeAnyErrorBody(body: unknown, status: number): NormalizedError {
  const parsed = parseBody(body);
  const bodyType = errorObject(parsed)?.type;
  const anthropicType =
    anthropicErrorTypeForStatus(status) ??
    (typeof bodyType === 'string' && bodyType !== 'error' ? bodyType : 'api_error');
  const { type, code } = openaiErrorKindForAnthropicType(anthropicType);
  return { status, message: errorMessage(parsed) ?? fallbackMessage(status), type, code, param: null };
}

/** An Anthropic `error` event's payload (a stream error) as a NormalizedError. */
export function normalizeAnthropicStreamError(error: { type?: unknown; message?: unknown }): NormalizedError {
  const anthropicType = typeof error.type === 'string' ? error.type : 'api_error';
  const { type, code } = openaiErrorKindForAnthropicType(anthropicType);
  return {
    status: statusForErrorType(anthropicType),
    message: typeof error.message === 'string' ? error.message : 'upstream error',
    type,
    code,
    param: null,
  };
}

/** The OpenAI error object of a NormalizedError. */
export function openaiErrorBody(err: NormalizedError): {
  error: { message: string; type: string; param: string | null; code: string | null };
} {
  return { error: { message: err.message, type: err.type, param: err.param, code: err.code } };
}

/** The Anthropic type of a NormalizedError: by status when it has one, by its OpenAI type and code otherwise. */
export function anthropicTypeOf(err: NormalizedError): string {
  return (
    (err.status ? anthropicErrorTypeForStatus(err.status) : undefined) ??
    anthropicTypeForOpenAIError(err.type, err.code)
  );
}

/** The HTTP status an error stands for: its own, or (stream errors have none) the one its type implies. */
export function httpStatusOf(err: NormalizedError): number {
  return err.status || statusForErrorType(anthropicTypeOf(err));
}

/** A GatewayError (our own refusal) as a NormalizedError in OpenAI's vocabulary. */
export function normalizeGatewayError(err: GatewayError): NormalizedError {
  const info = errorKindInfo(err.kind);
  return { status: err.status, message: err.message, type: info.openaiType, code: err.code, param: err.param };
}

/** Whatever ended a stream (a NormalizedError, a GatewayError, an Error, an error body) as a NormalizedError. */
export function normalizeStreamFailure(err: unknown): NormalizedError {
  if (err instanceof GatewayError) return normalizeGatewayError(err);
  if (err instanceof Error)
    return {
      status: 500,
      message: err.message || 'upstream stream failed',
      type: 'server_error',
      code: null,
      param: null,
    };
  return normalizeOpenAIErrorBody(err, 0);
}
