import { describe, expect, it } from 'vitest';
import { SseParser, encodeSse } from './sse';

function feedInPieces(text: string, sizes: number[]): ReturnType<SseParser['push']> {
  const parser = new SseParser();
  const bytes = new TextEncoder().encode(text);
  const events = [];
  let offset = 0;
  for (let i = 0; offset < bytes.length; i++) {
    const size = sizes[i % sizes.length];
    events.push(...parser.push(bytes.subarray(offset, offset + size)));
    offset += size;
  }
  events.push(...parser.end());
  return events;
}

describe('SseParser', () => {
  const stream =
    ': keep-alive\r\n\r\nevent: message_start\r\ndata: {"a":"héllo ✓"}\r\n\r\ndata: line1\ndata: line2\n\n: ping\n\ndata: [DONE]\n\n';

  it('parses events whatever the chunk boundaries, including split UTF-8 and CRLF', () => {
    for (const sizes of [[1], [2, 3], [7, 1, 5], [1000]]) {
      expect(feedInPieces(stream, sizes)).toEqual([
        { event: 'message_start', data: '{"a":"héllo ✓"}' },
        { event: undefined, data: 'line1\nline2' },
        { event: undefined, data: '[DONE]' },
      ]);
    }
  });

  it('takes lone CR line endings, and a CRLF split across chunks as one ending', () => {
    const parser = new SseParser();
    expect(parser.push('data: a\r')).toEqual([]);
    expect(parser.push('\ndata: b\r\r')).toEqual([{ event: undefined, data: 'a\nb' }]);
    expect(parser.push('\r')).toEqual([]);
    expect(parser.push('data: c\r\n\r\n')).toEqual([{ event: undefined, data: 'c' }]);
  });

  it('assembles an event far larger than its chunks (32 MB in 64 KB pieces), each piece taken once', () => {
    const payload = 'x'.repeat(32 * 1024 * 1024);
    const frame = `data: {"big":"${payload}"}\n\n`;
    const parser = new SseParser();
    const events = [];
    for (let i = 0; i < frame.length; i += 65_536) events.push(...parser.push(frame.slice(i, i + 65_536)));
    expect(events).toHaveLength(1);
    expect(events[0].data.length).toBe(payload.length + 10);
    // The unfinished line is held as pieces, not rescanned: the parser keeps nothing once the event is out.
    expect(parser.end()).toEqual([]);
  });

  it('flushes a final event that lacks the blank line', () => {
    const parser = new SseParser();
    expect(parser.push('data: tail')).toEqual([]);
    expect(parser.end()).toEqual([{ event: undefined, data: 'tail' }]);
  });

  it('encodes with and without an event name', () => {
    expect(encodeSse('{}')).toBe('data: {}\n\n');
    expect(encodeSse('{}', 'ping')).toBe('event: ping\ndata: {}\n\n');
  });
});
