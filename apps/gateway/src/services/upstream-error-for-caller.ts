import { formatNamed, hasErrorObject, normalizeAnyErrorBody, parseBody, type WireFormat } from '@lessllm/formats';
import type { UpstreamFailure } from './upstream-failure';

export interface CallerError {
  status: number;
  body: string;
  type: string;
  message: string;
}

/**
 * The upstream's error as the caller's SDK expects it: untouched when caller and upstream speak the same format
 * (and the body is a real error object), translated through the normalised error otherwise.
 */
export function upstreamErrorForCaller(caller: WireFormat, failure: UpstreamFailure): CallerError {
  const status = failure.details.status ?? 502;
  const raw = failure.details.body ?? '';
  const wire = failure.details.wireFormat;
  const upstream = wire === 'openai-embeddings' ? formatNamed('openai-chat') : formatNamed(wire);
  const parsed = parseBody(raw);
  const normalized = hasErrorObject(parsed)
    ? upstream.errors.decode(parsed, status)
    : normalizeAnyErrorBody(parsed, status);
  const summary = { type: normalized.type, message: normalized.message };
  if (caller.family === upstream.family && hasErrorObject(parsed)) return { status, body: raw, ...summary };
  return { status, body: caller.errors.encode(normalized), ...summary };
}
