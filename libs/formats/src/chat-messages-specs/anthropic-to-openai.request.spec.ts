import { GatewayError, type AnthropicMessagesRequest } from '@lessllm/shared';
import { describe, expect, it } from 'vitest';
import { anthropicRequestToOpenAI } from '../testing/legacy-api';

function messages(req: Partial<AnthropicMessagesRequest>): AnthropicMessagesRequest {
  return { model: 'claude-sonnet-4-5', max_tokens: 1024, messages: [{ role: 'user', content: 'hi' }], ...req };
}

function gatewayErrorOf(fn: () => unknown): GatewayError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(GatewayError);
    return err as GatewayError;
  }
  throw new Error('expected a GatewayError');
}

const weatherTool = {
  name: 'get_weather',
  description: 'Current weather for a city',
  input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
};

describe('anthropicRequestToOpenAI: messages', () => {
  it('puts the system prompt first, joining text blocks and dropping cache_control', () => {
    const out = anthropicRequestToOpenAI(
      messages({
        system: [
          { type: 'text', text: 'You are a librarian.' },
          { type: 'text', text: 'Long catalogue...', cache_control: { type: 'ephemeral' } },
        ],
        messages: [
          {
            role: 'user',
            content: [{ type: 'text', text: 'Find Dune', cache_control: { type: 'ephemeral', ttl: '1h' } }],
          },
        ],
      }),
      'gpt-4o',
    );
    expect(out.messages).toEqual([
      { role: 'system', content: 'You are a librarian.\nLong catalogue...' },
      { role: 'user', content: 'Find Dune' },
    ]);
    expect(JSON.stringify(out)).not.toContain('cache_control');
  });

  it('accepts a plain string system prompt', () => {
    const out = anthropicRequestToOpenAI(messages({ system: 'Be brief.' }), 'gpt-4o');
    expect(out.messages[0]).toEqual({ role: 'system', content: 'Be brief.' });
  });

  it('turns text and image blocks into content parts (base64 -> data URL, url -> url)', () => {
    const out = anthropicRequestToOpenAI(
      messages({
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'Same animal?' },
              { type: 'image', source: { type: 'base64', media_type: 'image/jpeg', data: '/9j/4AAQ' } },
              { type: 'image', source: { type: 'url', url: 'https://example.com/dog.png' } },
            ],
          },
        ],
      }),
      'gpt-4o',
    );
    expect(out.messages).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Same animal?' },
          { type: 'image_url', image_url: { url: 'data:image/jpeg;base64,/9j/4AAQ' } },
          { type: 'image_url', image_url: { url: 'https://example.com/dog.png' } },
        ],
      },
    ]);
  });

  it('translates a tool loop: tool_use -> tool_calls, tool_result -> tool messages before the user text', () => {
    const out = anthropicRequestToOpenAI(
      messages({
        messages: [
          { role: 'user', content: 'Weather in Paris and Rome?' },
          {
            role: 'assistant',
            content: [
              { type: 'thinking', thinking: 'Two cities, two calls.', signature: 'sig' },
              { type: 'text', text: 'Let me check.' },
              { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Paris' } },
              { type: 'tool_use', id: 'toolu_2', name: 'get_weather', input: { city: 'Rome' } },
            ],
          },
          {
            role: 'user',
            content: [
              { type: 'text', text: 'Also, be quick.' },
              { type: 'tool_result', tool_use_id: 'toolu_1', content: '18°C' },
              {
                type: 'tool_result',
                tool_use_id: 'toolu_2',
                content: [
                  { type: 'text', text: 'Service unavailable' },
                  { type: 'text', text: 'retry later' },
                ],
                is_error: true,
              },
            ],
          },
        ],
      }),
      'gpt-4o',
    );
    expect(out.messages).toEqual([
      { role: 'user', content: 'Weather in Paris and Rome?' },
      {
        role: 'assistant',
        content: 'Let me check.',
        tool_calls: [
          { id: 'toolu_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
          { id: 'toolu_2', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Rome"}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'toolu_1', content: '18°C' },
      { role: 'tool', tool_call_id: 'toolu_2', content: 'Error: Service unavailable\nretry later' },
      { role: 'user', content: 'Also, be quick.' },
    ]);
  });

  it('gives a tool-only assistant turn null content and drops a thinking-only turn', () => {
    const out = anthropicRequestToOpenAI(
      messages({
        messages: [
          { role: 'user', content: 'go' },
          { role: 'assistant', content: [{ type: 'tool_use', id: 't', name: 'now', input: {} }] },
          { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't' }] },
          { role: 'assistant', content: [{ type: 'redacted_thinking', data: 'xyz' }] },
        ],
      }),
      'gpt-4o',
    );
    expect(out.messages).toEqual([
      { role: 'user', content: 'go' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [{ id: 't', type: 'function', function: { name: 'now', arguments: '{}' } }],
      },
      { role: 'tool', tool_call_id: 't', content: '' },
    ]);
  });

  it('rejects a message with an invalid role', () => {
    const err = gatewayErrorOf(() =>
      anthropicRequestToOpenAI(messages({ messages: [{ role: 'robot', content: 'x' } as never] }), 'gpt-4o'),
    );
    expect(err.kind).toBe('invalid_request');
    expect(err.param).toBe('messages[0].role');
  });

  it('rejects empty messages and a missing max_tokens', () => {
    expect(gatewayErrorOf(() => anthropicRequestToOpenAI(messages({ messages: [] }), 'gpt-4o')).param).toBe('messages');
    const noMax = { model: 'm', messages: [{ role: 'user', content: 'x' }] } as unknown as AnthropicMessagesRequest;
    expect(gatewayErrorOf(() => anthropicRequestToOpenAI(noMax, 'gpt-4o')).param).toBe('max_tokens');
  });
});

describe('anthropicRequestToOpenAI: parameters', () => {
  it.each([
    ['gpt-4o', 'max_tokens'],
    ['gpt-4.1-mini', 'max_tokens'],
    ['deepseek-chat', 'max_tokens'],
    ['o1', 'max_completion_tokens'],
    ['o3-mini', 'max_completion_tokens'],
    ['o4-mini', 'max_completion_tokens'],
    ['gpt-5', 'max_completion_tokens'],
    ['gpt-5.1-mini', 'max_completion_tokens'],
  ])('sends max_tokens to %s as %s', (model, field) => {
    const out = anthropicRequestToOpenAI(messages({ max_tokens: 777 }), model);
    expect(out[field]).toBe(777);
    expect(out[field === 'max_tokens' ? 'max_completion_tokens' : 'max_tokens']).toBeUndefined();
    expect(out.model).toBe(model);
  });

  it('maps tools to function tools', () => {
    const out = anthropicRequestToOpenAI(
      messages({ tools: [{ ...weatherTool, cache_control: { type: 'ephemeral' } }] }),
      'gpt-4o',
    );
    expect(out.tools).toEqual([
      {
        type: 'function',
        function: {
          name: 'get_weather',
          description: 'Current weather for a city',
          parameters: weatherTool.input_schema,
        },
      },
    ]);
  });

  it.each([
    [{ type: 'auto' }, 'auto'],
    [{ type: 'any' }, 'required'],
    [{ type: 'none' }, 'none'],
    [
      { type: 'tool', name: 'get_weather' },
      { type: 'function', function: { name: 'get_weather' } },
    ],
  ] as const)('maps tool_choice %j to %j', (toolChoice, expected) => {
    const out = anthropicRequestToOpenAI(messages({ tools: [weatherTool], tool_choice: toolChoice }), 'gpt-4o');
    expect(out.tool_choice).toEqual(expected);
    expect(out.parallel_tool_calls).toBeUndefined();
  });

  it('maps disable_parallel_tool_use to parallel_tool_calls:false, only when tools are sent', () => {
    const withTools = anthropicRequestToOpenAI(
      messages({ tools: [weatherTool], tool_choice: { type: 'any', disable_parallel_tool_use: true } }),
      'gpt-4o',
    );
    expect(withTools).toMatchObject({ tool_choice: 'required', parallel_tool_calls: false });
    const withoutTools = anthropicRequestToOpenAI(
      messages({ tool_choice: { type: 'auto', disable_parallel_tool_use: true } }),
      'gpt-4o',
    );
    expect(withoutTools.tool_choice).toBeUndefined();
    expect(withoutTools.parallel_tool_calls).toBeUndefined();
  });

  it('maps sampling, stop sequences, user id and structured output', () => {
    const schema = { type: 'object', properties: { title: { type: 'string' } } };
    const out = anthropicRequestToOpenAI(
      messages({
        temperature: 0.2,
        top_p: 0.8,
        stop_sequences: ['</answer>'],
        metadata: { user_id: 'user-hash-1' },
        output_config: { format: { type: 'json_schema', schema } },
        thinking: { type: 'disabled' },
        service_tier: 'auto',
      }),
      'gpt-4o',
    );
    expect(out).toEqual({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'hi' }],
      max_tokens: 1024,
      temperature: 0.2,
      top_p: 0.8,
      stop: ['</answer>'],
      user: 'user-hash-1',
      response_format: { type: 'json_schema', json_schema: { name: 'output', schema } },
    });
  });

  it('asks for usage in streams, since Anthropic callers always get it', () => {
    expect(anthropicRequestToOpenAI(messages({ stream: true }), 'gpt-4o')).toMatchObject({
      stream: true,
      stream_options: { include_usage: true },
    });
    expect(anthropicRequestToOpenAI(messages({ stream: false }), 'gpt-4o').stream_options).toBeUndefined();
  });

  it.each([
    ['top_k', { top_k: 40 }, 'top_k'],
    [
      'messages[0].content[0].source',
      { messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'file', file_id: 'file_011' } }] }] },
      'file_id',
    ],
    [
      'tools[1].type',
      { tools: [weatherTool, { type: 'web_search_20250305', name: 'web_search', input_schema: {} }] },
      'web_search_20250305',
    ],
    [
      'messages[0].content[0].content[1]',
      {
        messages: [
          {
            role: 'user',
            content: [
              {
                type: 'tool_result',
                tool_use_id: 't',
                content: [
                  { type: 'text', text: 'chart:' },
                  { type: 'image', source: { type: 'url', url: 'https://x/y.png' } },
                ],
              },
            ],
          },
        ],
      },
      "'image'",
    ],
  ])('rejects %s as unsupported with a 400 naming it', (param, extra, messagePart) => {
    const err = gatewayErrorOf(() =>
      anthropicRequestToOpenAI(messages(extra as Partial<AnthropicMessagesRequest>), 'gpt-4o'),
    );
    expect(err.kind).toBe('unsupported_feature');
    expect(err.status).toBe(400);
    expect(err.param).toBe(param);
    expect(err.message).toContain(messagePart);
    expect(err.message).toContain('OpenAI');
  });
});
