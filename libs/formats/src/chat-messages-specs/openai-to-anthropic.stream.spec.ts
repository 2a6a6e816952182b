import type { AnthropicStreamEvent, OpenAIChatChunk } from '@lessllm/shared';
import { GatewayError } from '@lessllm/shared';
import { describe, expect, it } from 'vitest';
import { OpenAIToAnthropicStream } from '../testing/legacy-api';

type Delta = OpenAIChatChunk['choices'][number]['delta'];

function chunk(
  delta: Delta,
  finishReason: OpenAIChatChunk['choices'][number]['finish_reason'] = null,
): OpenAIChatChunk {
  return {
    id: 'chatcmpl-AbC123',
    object: 'chat.completion.chunk',
    created: 1730000000,
    model: 'gpt-4o-2024-08-06',
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
    usage: null,
  };
}

function usageChunk(): OpenAIChatChunk {
  return {
    id: 'chatcmpl-AbC123',
    object: 'chat.completion.chunk',
    created: 1730000000,
    model: 'gpt-4o-2024-08-06',
    choices: [],
    usage: {
      prompt_tokens: 1300,
      completion_tokens: 42,
      total_tokens: 1342,
      prompt_tokens_details: { cached_tokens: 1024 },
    },
  };
}

/** Text, then two streamed tool calls, as OpenAI sends them with include_usage. */
function toolCallChunks(): OpenAIChatChunk[] {
  return [
    chunk({ role: 'assistant', content: '', refusal: null }),
    chunk({ content: 'Checking' }),
    chunk({ content: ' both.' }),
    chunk({
      tool_calls: [{ index: 0, id: 'call_P', type: 'function', function: { name: 'get_weather', arguments: '' } }],
    }),
    chunk({ tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] }),
    chunk({ tool_calls: [{ index: 0, function: { arguments: '"Paris"}' } }] }),
    chunk({
      tool_calls: [
        { index: 1, id: 'call_R', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Rome"}' } },
      ],
    }),
    chunk({}, 'tool_calls'),
    usageChunk(),
  ];
}

function translateAll(chunks: OpenAIChatChunk[]): AnthropicStreamEvent[] {
  const stream = new OpenAIToAnthropicStream({ model: 'claude-alias' });
  return [...chunks.flatMap((c) => stream.push(c)), ...stream.done()];
}

describe('OpenAIToAnthropicStream', () => {
  it('emits a well-formed Anthropic event sequence for text followed by tool calls', () => {
    expect(translateAll(toolCallChunks())).toEqual([
      {
        type: 'message_start',
        message: {
          id: 'msg_chatcmpl-AbC123',
          type: 'message',
          role: 'assistant',
          model: 'claude-alias',
          content: [],
          stop_reason: null,
          stop_sequence: null,
          usage: { input_tokens: 0, output_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
        },
      },
      { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Checking' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: ' both.' } },
      { type: 'content_block_stop', index: 0 },
      {
        type: 'content_block_start',
        index: 1,
        content_block: { type: 'tool_use', id: 'call_P', name: 'get_weather', input: {} },
      },
      { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '{"city":' } },
      { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '"Paris"}' } },
      { type: 'content_block_stop', index: 1 },
      {
        type: 'content_block_start',
        index: 2,
        content_block: { type: 'tool_use', id: 'call_R', name: 'get_weather', input: {} },
      },
      { type: 'content_block_delta', index: 2, delta: { type: 'input_json_delta', partial_json: '{"city":"Rome"}' } },
      { type: 'content_block_stop', index: 2 },
      {
        type: 'message_delta',
        delta: { stop_reason: 'tool_use', stop_sequence: null },
        usage: { input_tokens: 276, output_tokens: 42, cache_read_input_tokens: 1024, cache_creation_input_tokens: 0 },
      },
      { type: 'message_stop' },
    ]);
  });

  it('reports only output_tokens (0) when no usage chunk arrived', () => {
    const events = translateAll(toolCallChunks().slice(0, -1));
    expect(events.find((e) => e.type === 'message_delta')).toEqual({
      type: 'message_delta',
      delta: { stop_reason: 'tool_use', stop_sequence: null },
      usage: { output_tokens: 0 },
    });
  });

  it.each([
    ['stop', 'end_turn'],
    ['length', 'max_tokens'],
    ['content_filter', 'refusal'],
  ] as const)('maps finish_reason %s to stop_reason %s', (finish, stop) => {
    const events = translateAll([chunk({ role: 'assistant', content: 'Hi' }), chunk({}, finish)]);
    expect(events.find((e) => e.type === 'message_delta')).toMatchObject({ delta: { stop_reason: stop } });
  });

  it('uses end_turn and closes the open block when the stream ends without finish_reason', () => {
    const events = translateAll([chunk({ role: 'assistant', content: 'Partial' })]);
    expect(events.map((e) => e.type)).toEqual([
      'message_start',
      'content_block_start',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    expect(events[4]).toMatchObject({ delta: { stop_reason: 'end_turn' } });
  });

  it('emits a valid empty message when nothing arrived', () => {
    const events = new OpenAIToAnthropicStream({ model: 'claude-alias' }).done();
    expect(events.map((e) => e.type)).toEqual(['message_start', 'message_delta', 'message_stop']);
    expect(events[0]).toMatchObject({ message: { model: 'claude-alias', content: [] } });
    expect((events[0] as { message: { id: string } }).message.id).toMatch(/^msg_[0-9a-f]{32}$/);
    expect(events[1]).toEqual({
      type: 'message_delta',
      delta: { stop_reason: 'end_turn', stop_sequence: null },
      usage: { output_tokens: 0 },
    });
  });

  it('treats a refusal delta as text', () => {
    const events = translateAll([chunk({ role: 'assistant', refusal: 'I can’t help with that.' }), chunk({}, 'stop')]);
    expect(events[2]).toEqual({
      type: 'content_block_delta',
      index: 0,
      delta: { type: 'text_delta', text: 'I can’t help with that.' },
    });
  });

  it('ignores choices other than index 0', () => {
    const second: OpenAIChatChunk = {
      ...chunk({ content: 'other' }),
      choices: [{ index: 1, delta: { content: 'other' }, finish_reason: null }],
    };
    const events = translateAll([chunk({ content: 'main' }), second]);
    expect(events.filter((e) => e.type === 'content_block_delta')).toEqual([
      { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'main' } },
    ]);
  });

  it('maps a mid-stream OpenAI error to an Anthropic error event and emits nothing afterwards', () => {
    const stream = new OpenAIToAnthropicStream({ model: 'm' });
    stream.push(chunk({ role: 'assistant', content: 'Hel' }));
    expect(
      stream.error({ error: { message: 'The server had an error', type: 'server_error', param: null, code: null } }),
    ).toEqual([{ type: 'error', error: { type: 'api_error', message: 'The server had an error' } }]);
    expect(stream.push(chunk({ content: 'lo' }))).toEqual([]);
    expect(stream.done()).toEqual([]);
    expect(stream.error(new Error('again'))).toEqual([]);
  });

  it('maps overloads and gateway errors to their Anthropic types', () => {
    const overloaded = new OpenAIToAnthropicStream({ model: 'm' }).error({
      error: { message: 'The engine is currently overloaded', type: 'server_error', param: null, code: 'overloaded' },
    });
    expect(overloaded[0]).toEqual({
      type: 'error',
      error: { type: 'overloaded_error', message: 'The engine is currently overloaded' },
    });
    const timeout = new OpenAIToAnthropicStream({ model: 'm' }).error(
      new GatewayError('upstream_timeout', 'no data for 60s'),
    );
    expect(timeout[0]).toEqual({ type: 'error', error: { type: 'timeout_error', message: 'no data for 60s' } });
  });

  it('stops emitting after done()', () => {
    const stream = new OpenAIToAnthropicStream({ model: 'm' });
    stream.done();
    expect(stream.push(chunk({ content: 'late' }))).toEqual([]);
    expect(stream.done()).toEqual([]);
  });
});
