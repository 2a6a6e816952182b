/** One Server-Sent Event as parsed from (or written to) the wire. */
export interface SseEvent {
  event?: string;
  data: string;
}

/**
 * Incremental SSE parser (WHATWG framing): accepts chunks split at any byte boundary,
 * CRLF/LF/CR line endings, comment lines (keep-alives) and multi-line `data:` fields.
 * Linear in its input: each chunk is scanned once, and an unfinished line is kept as pieces that are joined only
 * when its end arrives (a 50 MB event in 64 KB chunks is not rescanned 800 times).
 */
export class SseParser {
  /** The current unfinished line, in the pieces it arrived in. */
  private pieces: string[] = [];
  /** The last chunk ended in CR: a LF opening the next one belongs to it (CRLF split across chunks). */
  private pendingCR = false;
  private eventName: string | undefined;
  private dataLines: string[] = [];
  private readonly decoder = new TextDecoder('utf-8');

  push(chunk: Uint8Array | string): SseEvent[] {
    const text = typeof chunk === 'string' ? chunk : this.decoder.decode(chunk, { stream: true });
    const events: SseEvent[] = [];
    let start = 0;
    let i = 0;
    if (this.pendingCR) {
      this.pendingCR = false;
      if (text.charCodeAt(0) === 10) start = i = 1;
    }
    // Line ends found with indexOf (native, far faster than a charCodeAt loop); each position is searched once,
    // and a stream without CR searches for it once per chunk.
    let nextLF = text.indexOf('\n', i);
    let nextCR = text.indexOf('\r', i);
    while (nextLF !== -1 || nextCR !== -1) {
      i = nextCR === -1 || (nextLF !== -1 && nextLF < nextCR) ? nextLF : nextCR;
      this.takeLine(this.lineUpTo(text, start, i), events);
      if (i === nextCR) {
        if (i + 1 === text.length) this.pendingCR = true;
        else if (text.charCodeAt(i + 1) === 10) i++;
      }
      start = i + 1;
      if (nextLF !== -1 && nextLF < start) nextLF = text.indexOf('\n', start);
      if (nextCR !== -1 && nextCR < start) nextCR = text.indexOf('\r', start);
    }
    if (start < text.length) this.pieces.push(start === 0 ? text : text.slice(start));
    return events;
  }

  /** Flushes a final event that was not followed by a blank line. */
  end(): SseEvent[] {
    const events: SseEvent[] = [];
    const tail = this.decoder.decode();
    if (tail) this.pieces.push(tail);
    if (this.pieces.length > 0) this.takeLine(this.lineUpTo('', 0, 0), events);
    this.pendingCR = false;
    this.takeLine('', events);
    return events;
  }

  /** The line ending at `end` of this chunk, joined with the pieces of it earlier chunks brought. */
  private lineUpTo(text: string, start: number, end: number): string {
    const last = text.slice(start, end);
    if (this.pieces.length === 0) return last;
    if (last) this.pieces.push(last);
    const line = this.pieces.length === 1 ? this.pieces[0] : this.pieces.join('');
    this.pieces = [];
    return line;
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
