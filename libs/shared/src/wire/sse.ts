/** One Server-Sent Event as parsed from (or written to) the wire. */
export interface SseEvent {
  event?: string;
  data: string;
}

/**
 * Incremental SSE parser (WHATWG framing): accepts chunks split at any byte boundary,
 * CRLF/LF/CR line endings, comment lines (keep-alives) and multi-line `data:` fields.
 */
export class SseParser {
  private buffer = '';
  private eventName: string | undefined;
  private dataLines: string[] = [];
  private readonly decoder = new TextDecoder('utf-8');

  push(chunk: Uint8Array | string): SseEvent[] {
    this.buffer += typeof chunk === 'string' ? chunk : this.decoder.decode(chunk, { stream: true });
    const events: SseEvent[] = [];
    let start = 0;
    for (let i = 0; i < this.buffer.length; i++) {
      const ch = this.buffer.charCodeAt(i);
      if (ch !== 10 && ch !== 13) continue;
      // A lone CR at the end of the buffer may be the first half of CRLF: wait for more input.
      if (ch === 13 && i === this.buffer.length - 1) break;
      this.takeLine(this.buffer.slice(start, i), events);
      if (ch === 13 && this.buffer.charCodeAt(i + 1) === 10) i++;
      start = i + 1;
    }
    this.buffer = this.buffer.slice(start);
    return events;
  }

  /** Flushes a final event that was not followed by a blank line. */
  end(): SseEvent[] {
    const events: SseEvent[] = [];
    if (this.buffer.length > 0) this.takeLine(this.buffer, events);
    this.buffer = '';
    this.takeLine('', events);
    return events;
  }

  private takeLine(line: string, out: SseEvent[]): void {
    if (line === '') {
      if (this.dataLines.length > 0) out.push({ event: this.eventName, data: this.dataLines.join('\n') });
      this.eventName = undefined;
      this.dataLines = [];
      return;
    }
    if (line.charCodeAt(0) === 58) return; // ':' comment / keep-alive
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.charCodeAt(0) === 32) value = value.slice(1);
    if (field === 'data') this.dataLines.push(value);
    else if (field === 'event') this.eventName = value;
  }
}

export function encodeSse(data: string, event?: string): string {
  return event ? `event: ${event}\ndata: ${data}\n\n` : `data: ${data}\n\n`;
}
