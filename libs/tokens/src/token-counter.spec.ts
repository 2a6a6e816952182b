import { describe, expect, it } from 'vitest';
import { encodingForModel, getEncoder } from './encodings';
import { TokenCounter } from './token-counter';

const tokens = new TokenCounter();
const o200k = (text: string) => getEncoder('o200k_base').encode(text).length;

// OpenAI cookbook "How_to_count_tokens_with_tiktoken" (commit c81359c), providers.md §7.2.
const COOKBOOK_MESSAGES = [
  {
    role: 'system',
    content: 'You are a helpful, pattern-following assistant that translates corporate jargon into plain English.',
  },
  { role: 'system', name: 'example_user', content: 'New synergies will help drive top-line growth.' },
  { role: 'system', name: 'example_assistant', content: 'Things working well together will increase revenue.' },
  {
    role: 'system',
    name: 'example_user',
    content: "Let's circle back when we have more bandwidth to touch base on opportunities for increased leverage.",
  },
  {
    role: 'system',
    name: 'example_assistant',
    content: "Let's talk later when we're less busy about how to do better.",
  },
  {
    role: 'user',
    content: "This late pivot means we don't have time to boil the ocean for the client deliverable.",
  },
];

const WEATHER_TOOLS = [
  {
    type: 'function',
    function: {
      name: 'get_current_weather',
      description: 'Get the current weather in a given location',
      parameters: {
        type: 'object',
        properties: {
          location: { type: 'string', description: 'The city and state, e.g. San Francisco, CA' },
          unit: { type: 'string', description: 'The unit of temperature to return', enum: ['celsius', 'fahrenheit'] },
        },
        required: ['location'],
      },
    },
  },
];
const WEATHER_MESSAGES = [
  { role: 'system', content: 'You are a helpful assistant that can answer to questions about the weather.' },
  { role: 'user', content: "What's the weather like in San Francisco?" },
];

describe('encodingForModel', () => {
  it('maps OpenAI model families per §7.1 and estimates everything else with o200k × 1.1', () => {
    for (const m of ['gpt-4o-2024-08-06', 'gpt-4o-mini', 'o1-preview', 'o3', 'o4-mini', 'gpt-4.1-nano', 'gpt-5.2']) {
      expect(encodingForModel(m), m).toEqual({ encoding: 'o200k_base', factor: 1, exact: true });
    }
    for (const m of ['gpt-4-0613', 'gpt-4-turbo', 'gpt-3.5-turbo', 'gpt-35-turbo', 'text-embedding-3-small']) {
      expect(encodingForModel(m), m).toEqual({ encoding: 'cl100k_base', factor: 1, exact: true });
    }
    for (const m of ['claude-sonnet-4-5', 'gemini-2.5-pro', 'deepseek-chat', 'o100-custom']) {
      expect(encodingForModel(m), m).toEqual({ encoding: 'o200k_base', factor: 1.1, exact: false });
    }
  });
});

describe('countChatPromptTokens', () => {
  it('reproduces the cookbook: 129 tokens with cl100k (gpt-4-0613), 124 with o200k (gpt-4o)', () => {
    expect(tokens.countChatPromptTokens({ model: 'gpt-4-0613', messages: COOKBOOK_MESSAGES }, 'openai-chat')).toBe(129);
    expect(
      tokens.countChatPromptTokens({ model: 'gpt-3.5-turbo-0613', messages: COOKBOOK_MESSAGES }, 'openai-chat'),
    ).toBe(129);
    expect(tokens.countChatPromptTokens({ model: 'gpt-4o', messages: COOKBOOK_MESSAGES }, 'openai-chat')).toBe(124);
  });

  it('reproduces the cookbook tools example: 101 (gpt-4o) and 105 (gpt-4)', () => {
    const request = { messages: WEATHER_MESSAGES, tools: WEATHER_TOOLS };
    expect(tokens.countChatPromptTokens({ ...request, model: 'gpt-4o' }, 'openai-chat')).toBe(101);
    expect(tokens.countChatPromptTokens({ ...request, model: 'gpt-4' }, 'openai-chat')).toBe(105);
  });

  it('applies 3 per message, +1 per name and +3 priming', () => {
    const one = tokens.countChatPromptTokens(
      { model: 'gpt-4o', messages: [{ role: 'user', content: 'hello' }] },
      'openai-chat',
    );
    expect(one).toBe(3 + o200k('user') + o200k('hello') + 3);
    const named = tokens.countChatPromptTokens(
      { model: 'gpt-4o', messages: [{ role: 'user', name: 'bob', content: 'hello' }] },
      'openai-chat',
    );
    expect(named).toBe(one + o200k('bob') + 1);
    expect(tokens.countChatPromptTokens({ model: 'gpt-4o', messages: [] }, 'openai-chat')).toBe(3);
  });

  it('counts content parts, images (estimate) and assistant tool calls in OpenAI requests', () => {
    const base = [{ role: 'user', content: [{ type: 'text', text: 'look' }] }];
    const withImage = [
      {
        role: 'user',
        content: [
          { type: 'text', text: 'look' },
          { type: 'image_url', image_url: { url: 'https://x/y.png', detail: 'low' } },
        ],
      },
    ];
    const a = tokens.countChatPromptTokens({ model: 'gpt-4o', messages: base }, 'openai-chat');
    expect(tokens.countChatPromptTokens({ model: 'gpt-4o', messages: withImage }, 'openai-chat')).toBe(a + 85);
    const call = {
      role: 'assistant',
      content: null,
      tool_calls: [{ id: 'c1', type: 'function', function: { name: 'lookup', arguments: '{"q":"x"}' } }],
    };
    expect(tokens.countChatPromptTokens({ model: 'gpt-4o', messages: [call] }, 'openai-chat')).toBe(
      3 + o200k('assistant') + o200k('lookup') + o200k('{"q":"x"}') + 3,
    );
  });

  it('handles Anthropic requests: system, content blocks, tool_use and tool_result text (× 1.1 for Claude)', () => {
    const request = {
      model: 'claude-sonnet-4-5',
      max_tokens: 100,
      system: [{ type: 'text', text: 'Be brief.', cache_control: { type: 'ephemeral' } }],
      messages: [
        { role: 'user', content: 'Weather in Paris?' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 't1', name: 'weather', input: { city: 'Paris' } }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: 'Sunny, 21C' }] },
      ],
    };
    const raw =
      3 +
      o200k('Be brief.') +
      (3 + o200k('user') + o200k('Weather in Paris?')) +
      (3 + o200k('assistant') + o200k('weather') + o200k('{"city":"Paris"}')) +
      (3 + o200k('user') + o200k('Sunny, 21C')) +
      3;
    expect(tokens.countChatPromptTokens(request, 'anthropic-messages')).toBe(Math.round(raw * 1.1));
    const prompt = tokens.renderPrompt(request, 'anthropic-messages');
    expect(prompt.rawTokens).toBe(raw);
    expect(prompt.blocks.map((b) => [b.section, b.cacheControl])).toEqual([
      ['system', '5m'],
      ['messages', null],
      ['messages', null],
      ['messages', null],
    ]);
    // The same request with the served model overridden to an OpenAI model is counted exactly.
    expect(tokens.countChatPromptTokens(request, 'anthropic-messages', 'gpt-4o')).toBe(raw);
  });

  it('counts Anthropic tools with the cookbook formula and marks their cache_control', () => {
    const request = {
      model: 'gpt-4o',
      tools: [
        {
          name: 'get_current_weather',
          description: 'Get the current weather in a given location',
          input_schema: WEATHER_TOOLS[0].function.parameters,
          cache_control: { type: 'ephemeral', ttl: '1h' },
        },
      ],
      messages: [{ role: 'user', content: 'hi' }],
    };
    const prompt = tokens.renderPrompt(request, 'anthropic-messages');
    expect(prompt.blocks[0]).toMatchObject({ section: 'tools', cacheControl: '1h' });
    const openaiTools = tokens.countChatPromptTokens(
      { model: 'gpt-4o', tools: WEATHER_TOOLS, messages: [{ role: 'user', content: 'hi' }] },
      'openai-chat',
    );
    expect(prompt.tokens).toBe(openaiTools);
  });

  it('treats special-token text in untrusted input as plain text', () => {
    const n = tokens.countChatPromptTokens(
      { model: 'gpt-4o', messages: [{ role: 'user', content: 'say <|endoftext|> and <|im_start|>' }] },
      'openai-chat',
    );
    expect(n).toBeGreaterThan(10);
  });

  it('stays fast on pathological long words', () => {
    const started = performance.now();
    const n = tokens.countText('a'.repeat(200_000), 'gpt-4o');
    expect(n).toBeGreaterThan(1_000);
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it('counts embeddings input strings and token arrays', () => {
    expect(
      tokens.renderPrompt(
        { model: 'text-embedding-3-small', input: ['a b', 'c'] },
        'openai-chat',
        undefined,
        'embeddings',
      ).tokens,
    ).toBe(getEncoder('cl100k_base').encode('a b').length + getEncoder('cl100k_base').encode('c').length);
    expect(
      tokens.renderPrompt({ model: 'text-embedding-3-small', input: [1, 2, 3] }, 'openai-chat', undefined, 'embeddings')
        .tokens,
    ).toBe(3);
  });
});

describe('countCompletionTokens', () => {
  it('counts OpenAI content and tool calls', () => {
    const response = {
      object: 'chat.completion',
      model: 'gpt-4o',
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: 'Hello there',
            tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '{"a":1}' } }],
          },
        },
      ],
    };
    expect(tokens.countCompletionTokens(response, 'openai-chat')).toBe(
      o200k('Hello there') + o200k('f') + o200k('{"a":1}'),
    );
  });

  it('counts Anthropic text, thinking and tool_use blocks', () => {
    const response = {
      type: 'message',
      model: 'claude-sonnet-4-5',
      content: [
        { type: 'thinking', thinking: 'hmm', signature: 'sig' },
        { type: 'text', text: 'Hello there' },
        { type: 'tool_use', id: 't', name: 'f', input: { a: 1 } },
      ],
    };
    const raw = o200k('hmm') + o200k('Hello there') + o200k('f') + o200k('{"a":1}');
    expect(tokens.countCompletionTokens(response, 'anthropic-messages')).toBe(Math.round(raw * 1.1));
    expect(tokens.countCompletionTokens(response, 'anthropic-messages', 'gpt-4o')).toBe(raw);
  });

  it('returns 0 for missing or embeddings responses', () => {
    expect(tokens.countCompletionTokens(null, 'openai-chat')).toBe(0);
    expect(tokens.countCompletionTokens({ object: 'list', data: [] }, 'openai-chat')).toBe(0);
  });
});

describe('TokenCounter repeat cache', () => {
  const system = `You are a support assistant. ${'Answer briefly and politely, never ask for passwords. '.repeat(12)}`;

  it('serves a repeated long text from the cache with exactly the ids a fresh tokenisation gives', () => {
    const counter = new TokenCounter();
    const first = counter.encode(system, 'o200k_base');
    const again = counter.encode(system, 'o200k_base');
    expect(again).toBe(first); // the cached array itself
    expect([...again]).toEqual([...new TokenCounter().encode(system, 'o200k_base')]);
    expect(counter.encode(system, 'cl100k_base')).not.toBe(first); // keyed by encoding
  });

  it('stays correct after evicting: thousands of distinct texts, then the first one again', () => {
    const counter = new TokenCounter();
    const first = [...counter.encode(`${system} #0`, 'o200k_base')];
    for (let i = 1; i < 2_500; i++) counter.encode(`${system} #${i}`, 'o200k_base');
    expect([...counter.encode(`${system} #0`, 'o200k_base')]).toEqual(first);
  });
});
