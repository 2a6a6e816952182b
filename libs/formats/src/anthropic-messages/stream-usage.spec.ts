import { describe, expect, it } from 'vitest';
import { NullSink } from '../ir/stream-sink';
import { MessagesStreamDecoder } from './stream';

class UsageSink extends NullSink {
  raw: unknown = null;
  override usage(raw: unknown): void {
    this.raw = raw;
  }
}

describe('MessagesStreamDecoder usage', () => {
  it("keeps message_start's cache_creation breakdown when message_delta's usage lacks it (1-hour writes billed right)", () => {
    const decoder = new MessagesStreamDecoder();
    const sink = new UsageSink();
    const breakdown = { ephemeral_5m_input_tokens: 1_000, ephemeral_1h_input_tokens: 2_000 };
    decoder.push(
      {
        type: 'message_start',
        message: {
          id: 'msg_1',
          model: 'claude-sonnet-4-5',
          usage: { input_tokens: 100, output_tokens: 1, cache_creation_input_tokens: 3_000, cache_creation: breakdown },
        },
      },
      sink,
    );
    decoder.push(
      {
        type: 'message_delta',
        delta: { stop_reason: 'end_turn' },
        usage: { output_tokens: 42, cache_creation_input_tokens: 3_000, cache_creation: null },
      },
      sink,
    );
    expect(sink.raw).toMatchObject({
      output_tokens: 42,
      cache_creation_input_tokens: 3_000,
      cache_creation: breakdown,
    });
  });
});
