import { seededRandom } from '@lessllm/shared';
import type { ServerResponse } from 'node:http';
import { sleep } from './behaviour';

export interface SseWriterOptions {
  /** Use `\r\n` line endings. */
  crlf?: boolean;
  /** Write every event's bytes in random 1..7 byte pieces (splitting multi-byte UTF-8 characters too). */
  oddSplits?: boolean;
  /** Seed for `oddSplits` piece sizes. */
  seed?: number;
  /** Write this SSE comment (e.g. `keep-alive`) before every event. */
  comment?: string;
  /** Write this extra event (e.g. Anthropic's `ping`) before every event. */
  interleave?: { event: string; data: string };
  /** Delay before every event after the first. */
  delayMs?: number;
}

/** Writes Server-Sent Events to a response, honouring client hang-ups (every method is a no-op once gone). */
export class SseWriter {
  private readonly eol: string;
  private readonly random: () => number;
  private events = 0;

  constructor(
    private readonly res: ServerResponse,
    private readonly signal: AbortSignal,
    private readonly options: SseWriterOptions = {},
  ) {
    this.eol = options.crlf ? '\r\n' : '\n';
    this.random = seededRandom(options.seed ?? Math.floor(Math.random() * 2 ** 32));
  }

  get gone(): boolean {
    return this.signal.aborted || this.res.destroyed;
  }

  /** Sends `200 text/event-stream` with the given extra headers. */
  open(headers: Record<string, string | number>): void {
    this.res.writeHead(200, {
      ...headers,
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
    });
    this.res.flushHeaders();
  }

  /** Writes one event (`data` is already-serialised JSON or a sentinel such as `[DONE]`). Returns false once gone. */
  async send(data: string, event?: string): Promise<boolean> {
    if (this.gone) return false;
    if (this.events > 0 && this.options.delayMs && !(await sleep(this.options.delayMs, this.signal))) return false;
    this.events++;
    const eol = this.eol;
    const { comment, interleave } = this.options;
    let text = comment ? `: ${comment}${eol}${eol}` : '';
    if (interleave) text += `event: ${interleave.event}${eol}data: ${interleave.data}${eol}${eol}`;
    if (event) text += `event: ${event}${eol}`;
    text += `data: ${data}${eol}${eol}`;
    return this.write(text);
  }

  /** Ends the response normally. */
  end(): void {
    if (!this.gone) this.res.end();
  }

  /** Drops the connection without finishing the chunked body. */
  destroy(): void {
    this.res.destroy();
  }

  private async write(text: string): Promise<boolean> {
    if (!this.options.oddSplits) return this.writeRaw(text);
    const bytes = Buffer.from(text, 'utf8');
    for (let i = 0; i < bytes.length;) {
      const size = 1 + Math.floor(this.random() * 7);
      if (!(await this.writeRaw(bytes.subarray(i, i + size)))) return false;
      i += size;
      // Yield so the peer can read each piece separately.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    return !this.gone;
  }

  private async writeRaw(chunk: string | Buffer): Promise<boolean> {
    if (this.gone) return false;
    if (!this.res.write(chunk)) {
      await new Promise<void>((resolve) => {
        const done = (): void => {
          this.res.off('drain', done);
          this.res.off('close', done);
          resolve();
        };
        this.res.on('drain', done);
        this.res.on('close', done);
      });
    }
    return !this.gone;
  }
}
