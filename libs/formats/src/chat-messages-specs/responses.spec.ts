import type { AnthropicMessage, AnthropicStopReason, OpenAIChatCompletion, OpenAIFinishReason } from '@lessllm/shared';
import { describe, expect, it } from 'vitest';
import {
  anthropicResponseToOpenAI,
  anthropicStopReasonToOpenAI,
  openaiFinishReasonToAnthropic,
  openaiResponseToAnthropic,
} from '../testing/legacy-api';

function anthropicMessage(overrides: Partial<AnthropicMessage> = {}): AnthropicMessage {
  return {
    id: 'msg_01XFDUDYJgAACzvnptvVoYEL',
    type: 'message',
    role: 'assistant',
    model: 'claude-sonnet-4-5-20250929',
    content: [{ type: 'text', text: 'Hello!' }],
    stop_reason: 'end_turn',
    stop_sequence: null,
    usage: { input_tokens: 12, output_tokens: 6 },
    ...overrides,
  };
}

function openaiCompletion(overrides: Partial<OpenAIChatCompletion> = {}): OpenAIChatCompletion {
  return {
    id: 'chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT',
    object: 'chat.completion',
    created: 1741569952,
    model: 'gpt-4o-2024-08-06',
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: 'Hello!', refusal: null },
        logprobs: null,
        finish_reason: 'stop',
      },
    ],
    usage: { prompt_tokens: 19, completion_tokens: 10, total_tokens: 29 },
    ...overrides,
  };
}

describe('stop reason mapping (providers.md §3.2)', () => {
  it.each<[AnthropicStopReason | null, OpenAIFinishReason | null]>([
    ['end_turn', 'stop'],
    ['stop_sequence', 'stop'],
    ['pause_turn', 'stop'],
    ['max_tokens', 'length'],
    ['model_context_window_exceeded', 'length'],
    ['tool_use', 'tool_calls'],
    ['refusal', 'content_filter'],
    [null, null],
  ])('Anthropic %s -> OpenAI %s', (stop, finish) => {
    expect(anthropicStopReasonToOpenAI(stop)).toBe(finish);
  });

  it.each<[OpenAIFinishReason | null, AnthropicStopReason]>([
    ['stop', 'end_turn'],
    ['length', 'max_tokens'],
    ['tool_calls', 'tool_use'],
    ['function_call', 'tool_use'],
    ['content_filter', 'refusal'],
    [null, 'end_turn'],
  ])('OpenAI %s -> Anthropic %s', (finish, stop) => {
    expect(openaiFinishReasonToAnthropic(finish)).toBe(stop);
  });

  it('maps an unknown future Anthropic stop reason to stop', () => {
    expect(anthropicStopReasonToOpenAI('compaction' as AnthropicStopReason)).toBe('stop');
  });
});

describe('anthropicResponseToOpenAI', () => {
  it('joins text, turns tool_use into tool_calls, drops thinking, maps id, model and created', () => {
    const out = anthropicResponseToOpenAI(
      anthropicMessage({
        content: [
          { type: 'thinking', thinking: 'The user wants weather.', signature: 'EqQB' },
          { type: 'text', text: 'Checking Paris ' },
          { type: 'text', text: 'now.' },
          { type: 'tool_use', id: 'toolu_01A', name: 'get_weather', input: { city: 'Paris', unit: 'c' } },
        ],
        stop_reason: 'tool_use',
        usage: { input_tokens: 20, output_tokens: 30 },
      }),
      'my-alias',
      1700000000,
    );
    expect(out).toEqual({
      id: 'chatcmpl-01XFDUDYJgAACzvnptvVoYEL',
      object: 'chat.completion',
      created: 1700000000,
      model: 'my-alias',
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: 'Checking Paris now.',
            refusal: null,
            tool_calls: [
              {
                id: 'toolu_01A',
                type: 'function',
                function: { name: 'get_weather', arguments: '{"city":"Paris","unit":"c"}' },
              },
            ],
          },
          logprobs: null,
          finish_reason: 'tool_calls',
        },
      ],
      usage: {
        prompt_tokens: 20,
        completion_tokens: 30,
        total_tokens: 50,
        prompt_tokens_details: { cached_tokens: 0, cache_write_tokens: 0 },
      },
    });
  });

  it('gives null content when there is no text block', () => {
    const out = anthropicResponseToOpenAI(anthropicMessage({ content: [], stop_reason: 'refusal' }), 'm', 1);
    expect(out.choices[0].message.content).toBeNull();
    expect(out.choices[0].message.tool_calls).toBeUndefined();
    expect(out.choices[0].finish_reason).toBe('content_filter');
  });

  it('counts cache reads and writes into prompt_tokens (§3.3)', () => {
    const out = anthropicResponseToOpenAI(
      anthropicMessage({
        usage: {
          input_tokens: 100,
          cache_read_input_tokens: 1000,
          cache_creation_input_tokens: 200,
          output_tokens: 50,
        },
      }),
      'm',
      1,
    );
    expect(out.usage).toEqual({
      prompt_tokens: 1300,
      completion_tokens: 50,
      total_tokens: 1350,
      prompt_tokens_details: { cached_tokens: 1000, cache_write_tokens: 200 },
    });
  });

  it('defaults created to the current time in seconds', () => {
    const before = Math.floor(Date.now() / 1000);
    const created = anthropicResponseToOpenAI(anthropicMessage(), 'm').created;
    expect(created).toBeGreaterThanOrEqual(before);
    expect(created).toBeLessThanOrEqual(before + 1);
  });
});

describe('openaiResponseToAnthropic', () => {
  it('turns content and tool_calls into text and tool_use blocks', () => {
    const out = openaiResponseToAnthropic(
      openaiCompletion({
        choices: [
          {
            index: 0,
            message: {
              role: 'assistant',
              content: 'Let me look.',
              tool_calls: [
                { id: 'call_abc', type: 'function', function: { name: 'search', arguments: '{"q":"dune","limit":3}' } },
                { id: 'call_def', type: 'function', function: { name: 'broken', arguments: '{"q": "unterminated' } },
              ],
            },
            logprobs: null,
            finish_reason: 'tool_calls',
          },
          {
            index: 1,
            message: { role: 'assistant', content: 'ignored second choice' },
            logprobs: null,
            finish_reason: 'stop',
          },
        ],
      }),
      'claude-alias',
    );
    expect(out).toEqual({
      id: 'msg_chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT',
      type: 'message',
      role: 'assistant',
      model: 'claude-alias',
      content: [
        { type: 'text', text: 'Let me look.' },
        { type: 'tool_use', id: 'call_abc', name: 'search', input: { q: 'dune', limit: 3 } },
        { type: 'tool_use', id: 'call_def', name: 'broken', input: { _raw: '{"q": "unterminated' } },
      ],
      stop_reason: 'tool_use',
      stop_sequence: null,
      usage: { input_tokens: 19, output_tokens: 10, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
    });
  });

  it('has no text block when content is null, and uses a refusal as the text', () => {
    const toolOnly = openaiResponseToAnthropic(
      openaiCompletion({
        choices: [
          {
            index: 0,
            message: {
              role: 'assistant',
              content: null,
              tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '' } }],
            },
            logprobs: null,
            finish_reason: 'tool_calls',
          },
        ],
      }),
      'm',
    );
    expect(toolOnly.content).toEqual([{ type: 'tool_use', id: 'c', name: 'f', input: {} }]);
    const refused = openaiResponseToAnthropic(
      openaiCompletion({
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content: null, refusal: 'I can’t help with that.' },
            logprobs: null,
            finish_reason: 'content_filter',
          },
        ],
      }),
      'm',
    );
    expect(refused.content).toEqual([{ type: 'text', text: 'I can’t help with that.' }]);
    expect(refused.stop_reason).toBe('refusal');
  });

  it('splits cached and cache-write tokens out of prompt_tokens', () => {
    const usage = (u: OpenAIChatCompletion['usage']) =>
      openaiResponseToAnthropic(openaiCompletion({ usage: u }), 'm').usage;
    expect(
      usage({
        prompt_tokens: 1300,
        completion_tokens: 50,
        total_tokens: 1350,
        prompt_tokens_details: { cached_tokens: 1000 },
      }),
    ).toEqual({ input_tokens: 300, output_tokens: 50, cache_read_input_tokens: 1000, cache_creation_input_tokens: 0 });
    expect(
      usage({
        prompt_tokens: 1300,
        completion_tokens: 50,
        total_tokens: 1350,
        prompt_tokens_details: { cached_tokens: 1000, cache_write_tokens: 200 },
      }),
    ).toEqual({
      input_tokens: 100,
      output_tokens: 50,
      cache_read_input_tokens: 1000,
      cache_creation_input_tokens: 200,
    });
    expect(usage(undefined)).toEqual({ input_tokens: 0, output_tokens: 0 });
  });

  it('round-trips Anthropic usage through the OpenAI shape unchanged', () => {
    const original = {
      input_tokens: 100,
      cache_read_input_tokens: 1000,
      cache_creation_input_tokens: 200,
      output_tokens: 50,
    };
    const viaOpenAI = anthropicResponseToOpenAI(anthropicMessage({ usage: original }), 'm', 1);
    expect(openaiResponseToAnthropic(viaOpenAI, 'm').usage).toEqual(original);
  });

  it('survives a completion with no choices', () => {
    const out = openaiResponseToAnthropic(openaiCompletion({ choices: [] }), 'm');
    expect(out.content).toEqual([]);
    expect(out.stop_reason).toBe('end_turn');
  });
});
