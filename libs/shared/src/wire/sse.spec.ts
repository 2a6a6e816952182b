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
