import type { AnthropicStreamEvent, OpenAIChatChunk } from '@lessllm/shared';
import { describe, expect, it } from 'vitest';
import { AnthropicToOpenAIStream, type OpenAIStreamItem } from '../testing/legacy-api';

const CREATED = 1730000000;

/** A realistic Anthropic stream: thinking, text, two tool calls, pings, cumulative usage. */
function toolStreamEvents(): AnthropicStreamEvent[] {
  return [
    {
      type: 'message_start',
      message: {
        id: 'msg_014p7gG3wDgGV9EUtLvnow3U',
        type: 'message',
        role: 'assistant',
        model: 'claude-sonnet-4-5-20250929',
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { input_tokens: 472, cache_creation_input_tokens: 0, cache_read_input_tokens: 2048, output_tokens: 2 },
      },
    },
    { type: 'ping' },
    { type: 'content_block_start', index: 0, content_block: { type: 'thinking', thinking: '', signature: '' } },
    { type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: 'Two cities.' } },
    { type: 'content_block_delta', index: 0, delta: { type: 'signature_delta', signature: 'EqQBCgIYAhIM' } },
    { type: 'content_block_stop', index: 0 },
    { type: 'content_block_start', index: 1, content_block: { type: 'text', text: '' } },
    { type: 'content_block_delta', index: 1, delta: { type: 'text_delta', text: 'Checking ' } },
    { type: 'content_block_delta', index: 1, delta: { type: 'text_delta', text: 'both.' } },
    { type: 'content_block_stop', index: 1 },
    {
      type: 'content_block_start',
      index: 2,
      content_block: { type: 'tool_use', id: 'toolu_01', name: 'get_weather', input: {} },
    },
    { type: 'content_block_delta', index: 2, delta: { type: 'input_json_delta', partial_json: '' } },
    { type: 'content_block_delta', index: 2, delta: { type: 'input_json_delta', partial_json: '{"city": "Pa' } },
    { type: 'content_block_delta', index: 2, delta: { type: 'input_json_delta', partial_json: 'ris"}' } },
    { type: 'content_block_stop', index: 2 },
    {
      type: 'content_block_start',
      index: 3,
      content_block: { type: 'tool_use', id: 'toolu_02', name: 'get_weather', input: {} },
    },
    { type: 'content_block_delta', index: 3, delta: { type: 'input_json_delta', partial_json: '{"city": "Rome"}' } },
    { type: 'content_block_stop', index: 3 },
    { type: 'ping' },
    { type: 'message_delta', delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { output_tokens: 80 } },
    { type: 'message_stop' },
  ];
}

function pushAll(stream: AnthropicToOpenAIStream, events: AnthropicStreamEvent[]): OpenAIStreamItem[] {
  return events.flatMap((e) => stream.push(e));
}

function chunksOf(items: OpenAIStreamItem[]): OpenAIChatChunk[] {
  return items.flatMap((i) => (i.kind === 'chunk' ? [i.chunk] : []));
}

describe('AnthropicToOpenAIStream', () => {
  it('emits the §3.4 chunk sequence for text and tool calls, with OpenAI tool indexes counting from 0', () => {
    const items = pushAll(
      new AnthropicToOpenAIStream({ model: 'gpt-alias', includeUsage: false, created: CREATED }),
      toolStreamEvents(),
    );
    const deltas = items.map((i) =>
      i.kind === 'chunk' ? [i.chunk.choices[0]?.delta, i.chunk.choices[0]?.finish_reason] : i.kind,
    );
    expect(deltas).toEqual([
      [{ role: 'assistant', content: '' }, null],
      [{ content: 'Checking ' }, null],
      [{ content: 'both.' }, null],
      [
        {
          tool_calls: [
            { index: 0, id: 'toolu_01', type: 'function', function: { name: 'get_weather', arguments: '' } },
          ],
        },
        null,
      ],
      [{ tool_calls: [{ index: 0, function: { arguments: '{"city": "Pa' } }] }, null],
      [{ tool_calls: [{ index: 0, function: { arguments: 'ris"}' } }] }, null],
      [
        {
          tool_calls: [
            { index: 1, id: 'toolu_02', type: 'function', function: { name: 'get_weather', arguments: '' } },
          ],
        },
        null,
      ],
      [{ tool_calls: [{ index: 1, function: { arguments: '{"city": "Rome"}' } }] }, null],
      [{}, 'tool_calls'],
      'done',
    ]);
  });

  it('gives every chunk the same id, created and model, and no usage field without include_usage', () => {
    const chunks = chunksOf(
      pushAll(
        new AnthropicToOpenAIStream({ model: 'gpt-alias', includeUsage: false, created: CREATED }),
        toolStreamEvents(),
      ),
    );
    for (const chunk of chunks) {
      expect(chunk).toMatchObject({
        id: 'chatcmpl-014p7gG3wDgGV9EUtLvnow3U',
        object: 'chat.completion.chunk',
        created: CREATED,
        model: 'gpt-alias',
      });
      expect(chunk).not.toHaveProperty('usage');
    }
  });

  it('with include_usage, sends usage:null on each chunk and a final usage chunk before done', () => {
    const items = pushAll(
      new AnthropicToOpenAIStream({ model: 'm', includeUsage: true, created: CREATED }),
      toolStreamEvents(),
    );
    expect(items[items.length - 1]).toEqual({ kind: 'done' });
    const usageItem = items[items.length - 2];
    expect(usageItem).toEqual({
      kind: 'chunk',
      chunk: {
        id: 'chatcmpl-014p7gG3wDgGV9EUtLvnow3U',
        object: 'chat.completion.chunk',
        created: CREATED,
        model: 'm',
        choices: [],
        usage: {
          prompt_tokens: 2520,
          completion_tokens: 80,
          total_tokens: 2600,
          prompt_tokens_details: { cached_tokens: 2048, cache_write_tokens: 0 },
        },
      },
    });
    for (const chunk of chunksOf(items.slice(0, -2))) expect(chunk.usage).toBeNull();
  });

  it('takes the last cumulative usage from message_delta rather than adding', () => {
    const events = toolStreamEvents();
    const stop = events.pop()!;
    const lastDelta = events.pop()!;
    events.push(
      { type: 'message_delta', delta: { stop_reason: null, stop_sequence: null }, usage: { output_tokens: 40 } },
      lastDelta,
      {
        type: 'message_delta',
        delta: { stop_reason: 'tool_use', stop_sequence: null },
        usage: { output_tokens: 95, input_tokens: 500 },
      },
      stop,
    );
    const items = pushAll(new AnthropicToOpenAIStream({ model: 'm', includeUsage: true }), events);
    const usage = chunksOf(items).find((c) => c.choices.length === 0)?.usage;
    expect(usage).toMatchObject({ prompt_tokens: 2548, completion_tokens: 95, total_tokens: 2643 });
    // a second message_delta with a stop reason does not produce a second finish chunk
    expect(chunksOf(items).filter((c) => c.choices[0]?.finish_reason)).toHaveLength(1);
  });

  it.each([
    ['max_tokens', 'length'],
    ['end_turn', 'stop'],
    ['refusal', 'content_filter'],
    ['pause_turn', 'stop'],
  ] as const)('maps stop_reason %s to finish_reason %s', (stopReason, finishReason) => {
    const stream = new AnthropicToOpenAIStream({ model: 'm', includeUsage: false });
    stream.push(toolStreamEvents()[0]);
    const items = stream.push({
      type: 'message_delta',
      delta: { stop_reason: stopReason, stop_sequence: null },
      usage: { output_tokens: 1 },
    });
    expect(chunksOf(items)[0].choices[0].finish_reason).toBe(finishReason);
  });

  it('turns a mid-stream overloaded error into an OpenAI error item and then stops', () => {
    const stream = new AnthropicToOpenAIStream({ model: 'm', includeUsage: true });
    const events = toolStreamEvents();
    pushAll(stream, events.slice(0, 8));
    expect(stream.push({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } })).toEqual([
      {
        kind: 'error',
        error: { error: { message: 'Overloaded', type: 'server_error', param: null, code: 'overloaded' } },
      },
    ]);
    expect(pushAll(stream, events.slice(8))).toEqual([]);
  });

  it('ignores pings, unknown events and unknown deltas', () => {
    const stream = new AnthropicToOpenAIStream({ model: 'm', includeUsage: false });
    stream.push(toolStreamEvents()[0]);
    expect(stream.push({ type: 'ping' })).toEqual([]);
    expect(stream.push({ type: 'future_event', payload: 1 } as unknown as AnthropicStreamEvent)).toEqual([]);
    expect(
      stream.push({ type: 'content_block_delta', index: 0, delta: { type: 'citations_delta', citation: {} } }),
    ).toEqual([]);
  });

  it('still opens with a role chunk when output arrives without message_start, and finishes on message_stop', () => {
    const stream = new AnthropicToOpenAIStream({ model: 'm', includeUsage: false });
    const items = [
      ...stream.push({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }),
      ...stream.push({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hi' } }),
      ...stream.push({ type: 'message_stop' }),
    ];
    const chunks = chunksOf(items);
    expect(chunks.map((c) => c.choices[0].delta)).toEqual([{ role: 'assistant', content: '' }, { content: 'Hi' }, {}]);
    expect(chunks[2].choices[0].finish_reason).toBe('stop');
    expect(chunks[0].id).toMatch(/^chatcmpl-[0-9a-f]{32}$/);
    expect(new Set(chunks.map((c) => c.id)).size).toBe(1);
    expect(items[items.length - 1]).toEqual({ kind: 'done' });
  });
});
