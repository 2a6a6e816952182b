import type {
  AnthropicMessage,
  AnthropicStreamEvent,
  OpenAIChatChunk,
  OpenAIChatCompletion,
  OpenAIChatRequest,
} from '@lessllm/shared';
import { describe, expect, it } from 'vitest';
import {
  anthropicRequestToOpenAI,
  anthropicResponseToOpenAI,
  AnthropicStreamAssembler,
  AnthropicToOpenAIStream,
  openaiRequestToAnthropic,
  openaiResponseToAnthropic,
  OpenAIStreamAssembler,
  OpenAIToAnthropicStream,
} from '../testing/legacy-api';

const CREATED = 1731000000;

/** The non-streamed message that the stream below amounts to. */
const message: AnthropicMessage = {
  id: 'msg_01RoundTrip',
  type: 'message',
  role: 'assistant',
  model: 'claude-sonnet-4-5',
  content: [
    { type: 'text', text: 'I will look up both orders.' },
    { type: 'tool_use', id: 'toolu_A', name: 'get_order', input: { order_id: 'A-17', fields: ['status', 'eta'] } },
    { type: 'tool_use', id: 'toolu_B', name: 'get_order', input: { order_id: 'B-42', fields: [] } },
  ],
  stop_reason: 'tool_use',
  stop_sequence: null,
  usage: { input_tokens: 100, cache_creation_input_tokens: 200, cache_read_input_tokens: 1000, output_tokens: 77 },
};

function anthropicStream(): AnthropicStreamEvent[] {
  return [
    {
      type: 'message_start',
      message: { ...message, content: [], stop_reason: null, usage: { ...message.usage, output_tokens: 1 } },
    },
    { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
    { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'I will look up ' } },
    { type: 'ping' },
    { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'both orders.' } },
    { type: 'content_block_stop', index: 0 },
    {
      type: 'content_block_start',
      index: 1,
      content_block: { type: 'tool_use', id: 'toolu_A', name: 'get_order', input: {} },
    },
    {
      type: 'content_block_delta',
      index: 1,
      delta: { type: 'input_json_delta', partial_json: '{"order_id": "A-17", ' },
    },
    {
      type: 'content_block_delta',
      index: 1,
      delta: { type: 'input_json_delta', partial_json: '"fields": ["status", "eta"]}' },
    },
    { type: 'content_block_stop', index: 1 },
    {
      type: 'content_block_start',
      index: 2,
      content_block: { type: 'tool_use', id: 'toolu_B', name: 'get_order', input: {} },
    },
    {
      type: 'content_block_delta',
      index: 2,
      delta: { type: 'input_json_delta', partial_json: '{"order_id": "B-42", "fields": []}' },
    },
    { type: 'content_block_stop', index: 2 },
    { type: 'message_delta', delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { output_tokens: 77 } },
    { type: 'message_stop' },
  ];
}

function assembleAnthropic(events: AnthropicStreamEvent[]): AnthropicMessage {
  const assembler = new AnthropicStreamAssembler();
  events.forEach((e) => assembler.push(e));
  return assembler.result();
}

function anthropicToOpenAIChunks(events: AnthropicStreamEvent[]): OpenAIChatChunk[] {
  const stream = new AnthropicToOpenAIStream({ model: 'gpt-alias', includeUsage: true, created: CREATED });
  return events.flatMap((e) => stream.push(e)).flatMap((item) => (item.kind === 'chunk' ? [item.chunk] : []));
}

function withParsedArguments(completion: OpenAIChatCompletion) {
  return {
    ...completion,
    choices: completion.choices.map((c) => ({
      ...c,
      message: {
        ...c.message,
        tool_calls: c.message.tool_calls?.map((t) => ({
          ...t,
          function: { ...t.function, arguments: JSON.parse(t.function.arguments) },
        })),
      },
    })),
  };
}

describe('streamed and non-streamed translations agree', () => {
  it('the Anthropic stream assembles to the non-streamed message', () => {
    expect(assembleAnthropic(anthropicStream())).toEqual(message);
  });

  it('Anthropic stream -> OpenAI chunks -> assembled equals the non-streamed OpenAI translation', () => {
    const assembler = new OpenAIStreamAssembler();
    anthropicToOpenAIChunks(anthropicStream()).forEach((c) => assembler.push(c));
    const expected = anthropicResponseToOpenAI(message, 'gpt-alias', CREATED);
    // The stream forwards Anthropic's JSON text as is, so only the whitespace of the arguments may differ.
    expect(withParsedArguments(assembler.result())).toEqual(withParsedArguments(expected));
    expect(assembler.result().choices[0].message.tool_calls?.[1].function.arguments).toBe(
      '{"order_id": "B-42", "fields": []}',
    );
    expect(expected.usage).toMatchObject({ prompt_tokens: 1300, prompt_tokens_details: { cached_tokens: 1000 } });
  });

  it('OpenAI chunks -> Anthropic stream -> assembled equals the non-streamed Anthropic translation', () => {
    const openaiChunks = anthropicToOpenAIChunks(anthropicStream());
    const openaiAssembler = new OpenAIStreamAssembler();
    openaiChunks.forEach((c) => openaiAssembler.push(c));

    const reverse = new OpenAIToAnthropicStream({ model: 'claude-alias' });
    const events = [...openaiChunks.flatMap((c) => reverse.push(c)), ...reverse.done()];
    const assembled = assembleAnthropic(events);

    expect(assembled).toEqual(openaiResponseToAnthropic(openaiAssembler.result(), 'claude-alias'));
    // and the content survived two translations intact
    expect(assembled.content).toEqual(message.content);
    expect(assembled.stop_reason).toBe('tool_use');
    expect(assembled.usage).toEqual(message.usage);
  });
});

describe('requests survive a round trip through the other format', () => {
  it('OpenAI -> Anthropic -> OpenAI keeps a multi-turn tool conversation', () => {
    const original: OpenAIChatRequest = {
      model: 'gpt-4o',
      messages: [
        { role: 'system', content: 'You are an order assistant.' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Where are these orders? Photo attached.' },
            { type: 'image_url', image_url: { url: 'data:image/jpeg;base64,/9j/4AAQSkZJRg==' } },
          ],
        },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: 'call_1', type: 'function', function: { name: 'get_order', arguments: '{"order_id":"A-17"}' } },
            { id: 'call_2', type: 'function', function: { name: 'get_order', arguments: '{"order_id":"B-42"}' } },
          ],
        },
        { role: 'tool', tool_call_id: 'call_1', content: 'shipped' },
        { role: 'tool', tool_call_id: 'call_2', content: 'processing' },
        { role: 'assistant', content: 'A-17 has shipped; B-42 is processing.' },
        { role: 'user', content: 'Thanks!' },
      ],
      tools: [
        {
          type: 'function',
          function: {
            name: 'get_order',
            description: 'Order status',
            parameters: { type: 'object', properties: { order_id: { type: 'string' } } },
          },
        },
      ],
      tool_choice: 'required',
      parallel_tool_calls: false,
      max_tokens: 500,
      temperature: 0.4,
      stop: ['END'],
      user: 'user-7',
    };
    const back = anthropicRequestToOpenAI(openaiRequestToAnthropic(original, 'claude-sonnet-4-5', 1024), 'gpt-4o');
    expect(back).toEqual(original);
  });
});
