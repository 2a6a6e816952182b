import type { CallEvent } from '@lessllm/shared';
import { open } from 'node:fs/promises';

const CHUNK_BYTES = 1024 * 1024;
const NEWLINE = 0x0a;

/** A line that is not a call event: where it starts and why. */
export interface SegmentIssue {
  offset: number;
  kind: 'torn' | 'corrupt';
}

export interface SegmentRead {
  events: CallEvent[];
  /** Offset after the last byte consumed (the last complete line, or the end of a torn tail). */
  end: number;
  /** The whole segment was consumed (a finished segment read to its end). */
  exhausted: boolean;
  issues: SegmentIssue[];
}

function parseLine(text: string): CallEvent | null {
  try {
    const parsed = JSON.parse(text) as unknown;
    // The store needs a request id; anything else is a CallEvent we keep opaque.
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return null;
    const id = (parsed as { request_id?: unknown }).request_id;
    return typeof id === 'string' && id !== '' ? (parsed as CallEvent) : null;
  } catch {
    return null;
  }
}

/**
 * Reads complete lines of one segment from `from` up to `limit` (an offset on a line boundary, or Infinity), at most
 * `maxLines`. A line that does not parse is skipped and reported (a power cut can leave zeros in a file); bytes after
 * the last newline of a `finished` segment are a torn write (the process died mid-write) and reported too. A missing
 * file reads as empty (already consumed, or dropped).
 */
export async function readSegment(
  path: string,
  from: number,
  limit: number,
  maxLines: number,
  finished: boolean,
): Promise<SegmentRead> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { events: [], end: from, exhausted: true, issues: [] };
    throw err;
  }
  try {
    const size = (await handle.stat()).size;
    const stop = Math.min(size, limit);
    const events: CallEvent[] = [];
    const issues: SegmentIssue[] = [];
    /** Start of the line being assembled, and its bytes so far (a line can span chunks). */
    let lineStart = from;
    let parts: Buffer[] = [];
    let position = from;
    const chunk = Buffer.allocUnsafe(CHUNK_BYTES);
    while (position < stop && events.length < maxLines) {
      const { bytesRead } = await handle.read(chunk, 0, Math.min(CHUNK_BYTES, stop - position), position);
      if (bytesRead === 0) break;
      let cut = 0;
      while (cut < bytesRead && events.length < maxLines) {
        const newline = chunk.indexOf(NEWLINE, cut);
        if (newline === -1 || newline >= bytesRead) break;
        parts.push(chunk.subarray(cut, newline));
        const text = Buffer.concat(parts).toString('utf8');
        parts = [];
        const event = parseLine(text);
        if (event) events.push(event);
        else issues.push({ offset: lineStart, kind: 'corrupt' });
        cut = newline + 1;
        lineStart = position + cut;
      }
      if (events.length >= maxLines) return { events, end: lineStart, exhausted: false, issues };
      // The rest of the chunk is the start of a line that continues in the next one (copied: the chunk is reused).
      if (cut < bytesRead) parts.push(Buffer.from(chunk.subarray(cut, bytesRead)));
      position += bytesRead;
    }
    if (finished && stop === size && lineStart < size && events.length < maxLines) {
      issues.push({ offset: lineStart, kind: 'torn' });
      return { events, end: size, exhausted: true, issues };
    }
    return { events, end: lineStart, exhausted: finished && stop === size && lineStart >= size, issues };
  } finally {
    await handle.close();
  }
}
