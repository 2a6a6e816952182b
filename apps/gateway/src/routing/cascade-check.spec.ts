import { formats } from '@lessllm/formats';
import { describe, expect, it } from 'vitest';
import { cascadeFailure as check } from './cascade-check';

/** The check as the gateway runs it: on the caller format's summary of the answer. */
const cascadeFailure = (format: 'openai' | 'anthropic', response: unknown, wantsJson: boolean) =>
  check(
    formats[format === 'openai' ? 'openai-chat' : 'anthropic-messages'].response.summary(response as never),
    wantsJson,
  );

const openai = (content: string | null, extra: Record<string, unknown> = {}) => ({
  choices: [{ index: 0, message: { role: 'assistant', content, ...extra }, finish_reason: 'stop' }],
});
const anthropic = (text: string, stop_reason = 'end_turn') => ({
  type: 'message',
  content: text ? [{ type: 'text', text }] : [],
  stop_reason,
});

describe('cascade quality check', () => {
  it('passes real answers and tool calls', () => {
    expect(cascadeFailure('openai', openai('Paris is the capital of France.'), false)).toBeNull();
    expect(cascadeFailure('openai', openai(null, { tool_calls: [{ id: 'c', type: 'function' }] }), false)).toBeNull();
    expect(cascadeFailure('anthropic', anthropic('42'), false)).toBeNull();
    const longPolite = `I'm sorry to hear that. ${'Here is what to do next. '.repeat(20)}`;
    expect(cascadeFailure('openai', openai(longPolite), false)).toBeNull();
  });

  it('fails empty answers, refusals and "I don\'t know"', () => {
    expect(cascadeFailure('openai', openai('  '), false)).toBe('empty');
    expect(cascadeFailure('anthropic', anthropic(''), false)).toBe('empty');
    for (const text of [
      "I'm sorry, but I can't help with that.",
      "I don't know.",
      'I cannot answer that question.',
      "I'm not sure about this one.",
      'As an AI, I have no opinion.',
    ]) {
      expect(cascadeFailure('openai', openai(text), false), text).toBe('refusal');
    }
  });

  it('fails answers cut by the length limit in both formats', () => {
    const cut = { choices: [{ index: 0, message: { role: 'assistant', content: 'The' }, finish_reason: 'length' }] };
    expect(cascadeFailure('openai', cut, false)).toBe('cut_off');
    expect(cascadeFailure('anthropic', anthropic('The', 'max_tokens'), false)).toBe('cut_off');
  });

  it('fails invalid JSON only when JSON was asked for', () => {
    expect(cascadeFailure('openai', openai('{"a": 1'), true)).toBe('invalid_json');
    expect(cascadeFailure('openai', openai('{"a": 1}'), true)).toBeNull();
    expect(cascadeFailure('openai', openai('{"a": 1'), false)).toBeNull();
  });
});
