import type { AnthropicMessage, OpenAIChatCompletion } from '@lessllm/shared';
import { SseParser } from '@lessllm/shared';
import { describe, expect, it } from 'vitest';
import { formatNamed } from './registry';

const chat = formatNamed('openai-chat');
const messages = formatNamed('anthropic-messages');
const replayOpenAI = (c: OpenAIChatCompletion, includeUsage: boolean) =>
  chat.stream.replay(c, { includeUsage, request: {} });
const replayAnthropic = (m: AnthropicMessage) => messages.stream.replay(m, { includeUsage: false, request: {} });

const parse = (frames: string[]) => new SseParser().push(frames.join(''));

describe('replay', () => {
  it('OpenAI: the chunks assemble back into the stored completion, usage chunk last', () => {
    const completion: OpenAIChatCompletion = {
      id: 'chatcmpl-1',
      object: 'chat.completion',
      created: 1,
      model: 'gpt-4o',
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: 'x'.repeat(600),
            refusal: null,
            tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'f', arguments: '{"a":1}' } }],
          },
          logprobs: null,
          finish_reason: 'tool_calls',
        },
      ],
      usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 },
    };
    const events = parse(replayOpenAI(completion, true));
    expect(events.at(-1)!.data).toBe('[DONE]');
    const assembler = chat.stream.assembler();
    for (const e of events.slice(0, -1)) assembler.push(JSON.parse(e.data));
    expect(assembler.result()).toEqual(completion);
    expect(JSON.parse(events.at(-2)!.data).choices).toEqual([]);
    expect(parse(replayOpenAI(completion, false)).some((e) => e.data.includes('"usage"'))).toBe(false);
  });

  it('Anthropic: events assemble back into the stored message', () => {
    const message: AnthropicMessage = {
      id: 'msg_1',
      type: 'message',
      role: 'assistant',
      model: 'claude',
      content: [
        { type: 'text', text: 'hello' },
        { type: 'tool_use', id: 'tu_1', name: 'f', input: { a: 1 } },
      ],
      stop_reason: 'tool_use',
      stop_sequence: null,
      usage: { input_tokens: 5, output_tokens: 6, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 },
    };
    const events = parse(replayAnthropic(message));
    expect(events.map((e) => e.event)[0]).toBe('message_start');
    expect(events.at(-1)!.event).toBe('message_stop');
    const assembler = messages.stream.assembler();
    for (const e of events) assembler.push(JSON.parse(e.data));
    expect(assembler.result()).toEqual(message);
  });
});
