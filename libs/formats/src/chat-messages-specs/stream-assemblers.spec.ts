import type { AnthropicStreamEvent, OpenAIChatChunk } from '@lessllm/shared';
import { describe, expect, it } from 'vitest';
import { AnthropicStreamAssembler, OpenAIStreamAssembler } from '../testing/legacy-api';

function openaiChunk(choices: OpenAIChatChunk['choices'], extra: Partial<OpenAIChatChunk> = {}): OpenAIChatChunk {
  return {
    id: 'chatcmpl-9x',
    object: 'chat.completion.chunk',
    created: 1730000000,
    model: 'gpt-4o-mini',
    choices,
    ...extra,
  };
}

describe('OpenAIStreamAssembler', () => {
  it('keeps the service tier that served the stream (it changes the price)', () => {
    const assembler = new OpenAIStreamAssembler();
    assembler.push(
      openaiChunk([{ index: 0, delta: { content: 'Hi' }, finish_reason: null }], {
        service_tier: 'priority',
      }),
    );
    assembler.push(
      openaiChunk([{ index: 0, delta: {}, finish_reason: 'stop' }], {
        service_tier: 'priority',
      }),
    );
    expect(assembler.result()).toMatchObject({ service_tier: 'priority' });
    const plain = new OpenAIStreamAssembler();
    plain.push(openaiChunk([{ index: 0, delta: { content: 'Hi' }, finish_reason: 'stop' }]));
    expect(plain.result()).not.toHaveProperty('service_tier');
  });

  it('concatenates content and tool-call fragments by index and takes usage from the usage chunk', () => {
    const assembler = new OpenAIStreamAssembler();
    const chunks: OpenAIChatChunk[] = [
      openaiChunk([{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }], {
        system_fingerprint: 'fp_44709d6fcb',
      }),
      openaiChunk([{ index: 0, delta: { content: 'One ' }, finish_reason: null }]),
      openaiChunk([{ index: 0, delta: { content: 'moment.' }, finish_reason: null }]),
      openaiChunk([
        {
          index: 0,
          delta: {
            tool_calls: [{ index: 0, id: 'call_a', type: 'function', function: { name: 'search', arguments: '' } }],
          },
          finish_reason: null,
        },
      ]),
      openaiChunk([
        {
          index: 0,
          delta: {
            tool_calls: [
              { index: 1, id: 'call_b', type: 'function', function: { name: 'lookup', arguments: '{"id"' } },
            ],
          },
          finish_reason: null,
        },
      ]),
      openaiChunk([
        { index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: '{"q":"x"}' } }] }, finish_reason: null },
      ]),
      openaiChunk([
        { index: 0, delta: { tool_calls: [{ index: 1, function: { arguments: ':7}' } }] }, finish_reason: null },
      ]),
      openaiChunk([{ index: 0, delta: {}, finish_reason: 'tool_calls' }]),
      openaiChunk([], { usage: { prompt_tokens: 50, completion_tokens: 20, total_tokens: 70 } }),
    ];
    chunks.forEach((c) => assembler.push(c));
    expect(assembler.result()).toEqual({
      id: 'chatcmpl-9x',
      object: 'chat.completion',
      created: 1730000000,
      model: 'gpt-4o-mini',
      system_fingerprint: 'fp_44709d6fcb',
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: 'One moment.',
            refusal: null,
            tool_calls: [
              { id: 'call_a', type: 'function', function: { name: 'search', arguments: '{"q":"x"}' } },
              { id: 'call_b', type: 'function', function: { name: 'lookup', arguments: '{"id":7}' } },
            ],
          },
          logprobs: null,
          finish_reason: 'tool_calls',
        },
      ],
      usage: { prompt_tokens: 50, completion_tokens: 20, total_tokens: 70 },
    });
  });

  it('assembles n>1 choices separately, sorted by index', () => {
    const assembler = new OpenAIStreamAssembler();
    assembler.push(openaiChunk([{ index: 1, delta: { role: 'assistant', content: 'B' }, finish_reason: null }]));
    assembler.push(openaiChunk([{ index: 0, delta: { role: 'assistant', content: 'A' }, finish_reason: null }]));
    assembler.push(
      openaiChunk([
        { index: 0, delta: { content: '1' }, finish_reason: 'stop' },
        { index: 1, delta: { content: '2' }, finish_reason: 'length' },
      ]),
    );
    const { choices } = assembler.result();
    expect(choices.map((c) => [c.index, c.message.content, c.finish_reason])).toEqual([
      [0, 'A1', 'stop'],
      [1, 'B2', 'length'],
    ]);
  });

  it('reports null content when only empty strings arrived, and no usage when none arrived', () => {
    const assembler = new OpenAIStreamAssembler();
    assembler.push(
      openaiChunk([{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }], { usage: null }),
    );
    const result = assembler.result();
    expect(result.choices[0].message.content).toBeNull();
    expect(result).not.toHaveProperty('usage');
  });

  it('does not let later pushes change an earlier result', () => {
    const assembler = new OpenAIStreamAssembler();
    assembler.push(
      openaiChunk([
        {
          index: 0,
          delta: { tool_calls: [{ index: 0, id: 'c', function: { name: 'f', arguments: '{' } }] },
          finish_reason: null,
        },
      ]),
    );
    const first = assembler.result();
    assembler.push(
      openaiChunk([
        { index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: '}' } }] }, finish_reason: null },
      ]),
    );
    expect(first.choices[0].message.tool_calls?.[0].function.arguments).toBe('{');
    expect(assembler.result().choices[0].message.tool_calls?.[0].function.arguments).toBe('{}');
  });
});

describe('AnthropicStreamAssembler', () => {
  const start: AnthropicStreamEvent = {
    type: 'message_start',
    message: {
      id: 'msg_01',
      type: 'message',
      role: 'assistant',
      model: 'claude-haiku-4-5',
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { input_tokens: 25, cache_read_input_tokens: 100, cache_creation_input_tokens: 0, output_tokens: 1 },
    },
  };

  it('rebuilds blocks by index, parses tool input at block stop and merges cumulative usage', () => {
    const assembler = new AnthropicStreamAssembler();
    const events: AnthropicStreamEvent[] = [
      start,
      { type: 'content_block_start', index: 0, content_block: { type: 'thinking', thinking: '', signature: '' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: 'Let me ' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: 'think.' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'signature_delta', signature: 'sig==' } },
      { type: 'content_block_stop', index: 0 },
      { type: 'content_block_start', index: 1, content_block: { type: 'text', text: '' } },
      { type: 'content_block_delta', index: 1, delta: { type: 'text_delta', text: 'Sure' } },
      { type: 'content_block_delta', index: 1, delta: { type: 'text_delta', text: ', here.' } },
      { type: 'content_block_stop', index: 1 },
      {
        type: 'content_block_start',
        index: 2,
        content_block: { type: 'tool_use', id: 'toolu_9', name: 'calc', input: {} },
      },
      { type: 'content_block_delta', index: 2, delta: { type: 'input_json_delta', partial_json: '{"expr": ' } },
      { type: 'content_block_delta', index: 2, delta: { type: 'input_json_delta', partial_json: '"2+2"}' } },
      { type: 'content_block_stop', index: 2 },
      {
        type: 'message_delta',
        delta: { stop_reason: 'tool_use', stop_sequence: null },
        usage: { output_tokens: 60, cache_read_input_tokens: null },
      },
      { type: 'message_stop' },
    ];
    events.forEach((e) => assembler.push(e));
    expect(assembler.result()).toEqual({
      id: 'msg_01',
      type: 'message',
      role: 'assistant',
      model: 'claude-haiku-4-5',
      content: [
        { type: 'thinking', thinking: 'Let me think.', signature: 'sig==' },
        { type: 'text', text: 'Sure, here.' },
        { type: 'tool_use', id: 'toolu_9', name: 'calc', input: { expr: '2+2' } },
      ],
      stop_reason: 'tool_use',
      stop_sequence: null,
      usage: { input_tokens: 25, cache_read_input_tokens: 100, cache_creation_input_tokens: 0, output_tokens: 60 },
    });
  });

  it('keeps invalid streamed JSON as the raw string, also for a block that never stopped', () => {
    const assembler = new AnthropicStreamAssembler();
    assembler.push(start);
    assembler.push({
      type: 'content_block_start',
      index: 0,
      content_block: { type: 'tool_use', id: 't1', name: 'f', input: {} },
    });
    assembler.push({
      type: 'content_block_delta',
      index: 0,
      delta: { type: 'input_json_delta', partial_json: '{"a": tru' },
    });
    assembler.push({ type: 'content_block_stop', index: 0 });
    assembler.push({
      type: 'content_block_start',
      index: 1,
      content_block: { type: 'tool_use', id: 't2', name: 'g', input: {} },
    });
    assembler.push({
      type: 'content_block_delta',
      index: 1,
      delta: { type: 'input_json_delta', partial_json: '{"b": 1}' },
    });
    expect(assembler.result().content).toEqual([
      { type: 'tool_use', id: 't1', name: 'f', input: '{"a": tru' },
      { type: 'tool_use', id: 't2', name: 'g', input: { b: 1 } },
    ]);
  });

  it('keeps the start input of a tool call without arguments', () => {
    const assembler = new AnthropicStreamAssembler();
    assembler.push({
      type: 'content_block_start',
      index: 0,
      content_block: { type: 'tool_use', id: 't', name: 'now', input: {} },
    });
    assembler.push({ type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: '' } });
    assembler.push({ type: 'content_block_stop', index: 0 });
    expect(assembler.result().content).toEqual([{ type: 'tool_use', id: 't', name: 'now', input: {} }]);
  });

  it('returns a valid empty message when nothing arrived', () => {
    expect(new AnthropicStreamAssembler().result()).toMatchObject({
      type: 'message',
      role: 'assistant',
      content: [],
      stop_reason: null,
    });
  });
});
