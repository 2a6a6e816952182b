import { describe, expect, it } from 'vitest';
import { exampleFromRow } from './router-commands';

const row = (caller_format: unknown, body: unknown) => ({
  label: 'strong',
  caller_format,
  request_json: JSON.stringify(body),
});

describe('exampleFromRow', () => {
  const messagesBody = {
    system: 'You are a coder.',
    messages: [{ role: 'user', content: [{ type: 'text', text: 'Fix my build' }] }],
    max_tokens: 512,
  };
  const expectedMessages = {
    messages: [
      { role: 'system', text: 'You are a coder.' },
      { role: 'user', text: 'Fix my build' },
    ],
    tools: false,
    jsonOutput: false,
    maxTokens: 512,
  };

  it('reads each row in its caller format, legacy names included', () => {
    expect(exampleFromRow(row('anthropic-messages', messagesBody), 0)).toEqual({
      input: expectedMessages,
      label: 'strong',
    });
    expect(exampleFromRow(row('anthropic', messagesBody), 0).input).toEqual(expectedMessages);
    const responses = exampleFromRow(row('openai-responses', { instructions: 'Be terse.', input: 'Hello' }), 0);
    expect(responses.input.messages).toEqual([
      { role: 'system', text: 'Be terse.' },
      { role: 'user', text: 'Hello' },
    ]);
  });

  it('falls back to OpenAI chat without a known format, and reads a non-object body as an empty request', () => {
    const chat = { messages: [{ role: 'user', content: 'Hi' }], max_completion_tokens: 64 };
    for (const format of [undefined, null, 'openai', 'something-else']) {
      expect(exampleFromRow(row(format, chat), 0).input).toEqual({
        messages: [{ role: 'user', text: 'Hi' }],
        tools: false,
        jsonOutput: false,
        maxTokens: 64,
      });
    }
    expect(exampleFromRow(row('openai-chat', null), 0).input).toEqual({
      messages: [],
      tools: false,
      jsonOutput: false,
      maxTokens: null,
    });
  });

  it('rejects rows without a label or JSON', () => {
    expect(() => exampleFromRow({ label: 'maybe', request_json: '{}' }, 2)).toThrow(/row 3: label/);
    expect(() => exampleFromRow({ label: 'weak', request_json: '{' }, 0)).toThrow(/not JSON/);
  });
});
