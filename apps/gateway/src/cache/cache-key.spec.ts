import { formats } from '@lessllm/formats';
import { describe, expect, it } from 'vitest';
import { exactCacheKey, type CacheKeyInput } from './cache-key';

const openaiBase = {
  model: 'gpt-4o',
  messages: [
    { role: 'system', content: 'Be brief.' },
    { role: 'user', content: 'hello' },
  ],
  temperature: 0,
};
const key = (body: unknown, over: Partial<CacheKeyInput> = {}) =>
  exactCacheKey({
    format: formats['openai-chat'],
    tenant: 'team-a',
    keyOwner: null,
    provider: 'openai',
    model: 'gpt-4o-2024-08-06',
    body,
    ...over,
  });
const base = key(openaiBase);

describe('exact cache key', () => {
  it('is a sha256 hex digest', () => {
    expect(base).toMatch(/^[0-9a-f]{64}$/);
  });

  it('ignores key order, defaults, nulls and shorthand spellings', () => {
    const reordered = {
      temperature: 0,
      messages: [
        { content: 'Be brief.', role: 'system' },
        { content: [{ type: 'text', text: 'hello' }], role: 'user', name: null },
      ],
      model: 'gpt-4o',
      top_p: 1,
      n: 1,
      presence_penalty: 0,
      frequency_penalty: 0,
      seed: null,
      response_format: { type: 'text' },
      tool_choice: 'none',
    };
    expect(key(reordered)).toBe(base);
    expect(key({ ...openaiBase, stop: 'END' })).toBe(key({ ...openaiBase, stop: ['END'] }));
    expect(key({ ...openaiBase, max_tokens: 50 })).toBe(key({ ...openaiBase, max_completion_tokens: 50 }));
  });

  it('ignores stream, stream_options, user tags, metadata and the alias name', () => {
    const noise = {
      ...openaiBase,
      model: 'other-alias',
      stream: true,
      stream_options: { include_usage: true },
      user: 'alice',
      safety_identifier: 'x',
      metadata: { run: '1' },
      store: true,
    };
    expect(key(noise)).toBe(base);
    const anthropic = { model: 'claude', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }], temperature: 0 };
    const a = (b: unknown) =>
      key(b, { format: formats['anthropic-messages'], provider: 'anthropic', model: 'claude-sonnet-4-5' });
    expect(a({ ...anthropic, stream: true, metadata: { user_id: 'u' } })).toBe(a(anthropic));
    expect(a({ ...anthropic, system: [{ type: 'text', text: 'S' }] })).toBe(a({ ...anthropic, system: 'S' }));
    expect(a({ ...anthropic, max_tokens: 11 })).not.toBe(a(anthropic));
    expect(a({ ...anthropic, top_k: 5 })).not.toBe(a(anthropic));
  });

  it.each([
    ['messages', { messages: [{ role: 'user', content: 'hello!' }] }],
    ['temperature', { temperature: 0.5 }],
    ['top_p', { top_p: 0.9 }],
    ['seed', { seed: 7 }],
    ['stop', { stop: ['x'] }],
    ['max tokens', { max_completion_tokens: 5 }],
    ['n', { n: 2 }],
    ['response_format', { response_format: { type: 'json_object' } }],
    ['tools', { tools: [{ type: 'function', function: { name: 'f', parameters: {} } }] }],
    ['tool_choice', { tools: [{ type: 'function', function: { name: 'f' } }], tool_choice: 'required' }],
    ['unknown extra parameter', { logit_bias: { '1': 5 } }],
  ])('changes with %s', (_name, change) => {
    expect(key({ ...openaiBase, ...change })).not.toBe(base);
  });

  it('changes with tenant, key owner, provider, model and caller format', () => {
    expect(key(openaiBase, { tenant: 'team-b' })).not.toBe(base);
    expect(key(openaiBase, { tenant: null })).not.toBe(base);
    expect(key(openaiBase, { keyOwner: 'abc' })).not.toBe(base);
    expect(key(openaiBase, { provider: 'azure' })).not.toBe(base);
    expect(key(openaiBase, { model: 'gpt-4o-mini' })).not.toBe(base);
    expect(key(openaiBase, { format: formats['anthropic-messages'] })).not.toBe(base);
  });
});
