import type { SseEvent } from '@lessllm/shared';
import { SseParser } from '@lessllm/shared';

/**
 * An upstream SSE body read network chunk by network chunk: each read yields every event that chunk completed,
 * so the caller can be written to once per chunk rather than once per event.
 */
export class UpstreamEventReader {
  private readonly parser = new SseParser();
  private readonly chunks: AsyncIterator<Uint8Array | string>;
  private finished = false;

  constructor(body: AsyncIterable<Uint8Array | string>) {
    this.chunks = body[Symbol.asyncIterator]();
  }

  /** The events completed by the next chunk (possibly none), or null once the body has ended. */
  async next(): Promise<SseEvent[] | null> {
    if (this.finished) return null;
    const result: IteratorResult<Uint8Array | string> = await this.chunks.next();
    if (result.done) {
      this.finished = true;
      return this.parser.end();
    }
    return this.parser.push(result.value);
  }

  /** Reads until at least one event is complete; returns them (empty when the body ended without any). */
  async first(): Promise<SseEvent[]> {
    for (;;) {
      const events = await this.next();
      if (events === null) return [];
      if (events.length > 0) return events;
    }
  }

  /** Stops reading and releases the upstream connection. */
  async close(): Promise<void> {
    this.finished = true;
    await this.chunks.return?.();
  }
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
