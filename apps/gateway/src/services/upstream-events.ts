import type { SseEvent } from '@lessllm/shared';
import { SseParser } from '@lessllm/shared';

/** Parses an upstream SSE body into events as bytes arrive. */
export async function* sseEvents(body: AsyncIterable<Uint8Array | string>): AsyncGenerator<SseEvent> {
  const parser = new SseParser();
  for await (const chunk of body) {
    for (const event of parser.push(chunk)) yield event;
  }
  for (const event of parser.end()) yield event;
}

const STREAM_ERROR_STATUS: Record<string, number> = {
  invalid_request_error: 400,
  authentication_error: 401,
  permission_error: 403,
  not_found_error: 404,
  request_too_large: 413,
  rate_limit_error: 429,
  api_error: 500,
  server_error: 500,
  overloaded_error: 529,
  timeout_error: 504,
};

/** The HTTP status an error event at the very start of a stream stands for (nothing has been sent yet). */
export function statusForStreamError(type: string): number {
  return STREAM_ERROR_STATUS[type] ?? 502;
}
