import { TokenCounter } from '@lessllm/tokens';
import { describe, expect, it } from 'vitest';
import { cachePolicyFor } from './cache-policy';
import type { CachePredictionInput } from './cache-predictor';
import { CachePredictor } from './cache-predictor';
import { InMemoryPrefixStore } from './prefix-state-store';

const tokens = new TokenCounter();
const T0 = Date.UTC(2026, 6, 24, 12, 0, 0);
const MIN = 60_000;

/** An OpenAI chat request for gpt-4o whose estimated prompt is exactly `n` tokens. */
function openaiRequest(n: number, system = 'You are a careful assistant.', extra: Record<string, unknown> = {}) {
  const build = (k: number) => ({
    model: 'gpt-4o',
    messages: [
      { role: 'system', content: system },
      { role: 'user', content: `Question:${' hello'.repeat(k)}` },
    ],
    ...extra,
  });
  const base = tokens.renderPrompt(build(0), 'openai').tokens;
  const request = build(n - base);
  expect(tokens.renderPrompt(request, 'openai').tokens).toBe(n);
  return request;
}

function openaiInput(request: unknown, at: number, over: Partial<CachePredictionInput> = {}): CachePredictionInput {
  return {
    tenant: 'acme',
    provider: 'openai',
    providerType: 'openai',
    model: 'gpt-4o',
    prompt: tokens.renderPrompt(request, 'openai'),
    request,
    callerFormat: 'openai-chat',
    startedAtMs: at,
    ...over,
  };
}

describe('cachePolicyFor', () => {
  it('picks the provider mechanism and minimums', () => {
    expect(cachePolicyFor('openai', 'openai', 'gpt-4o')).toMatchObject({ mechanism: 'automatic', minTokens: 1024 });
    expect(cachePolicyFor('azure-eu', 'azure', 'my-deployment')).toMatchObject({ family: 'openai' });
    expect(cachePolicyFor('openai', 'openai', 'gpt-4-0613').mechanism).toBe('none');
    expect(cachePolicyFor('deepseek', 'openai', 'deepseek-chat')).toMatchObject({ family: 'deepseek' });
    expect(cachePolicyFor('anthropic', 'anthropic', 'claude-sonnet-4-5-20250929')).toMatchObject({
      mechanism: 'explicit',
      minTokens: 1024,
    });
    expect(cachePolicyFor('anthropic', 'anthropic', 'claude-haiku-4-5').minTokens).toBe(4096);
    expect(cachePolicyFor('anthropic', 'anthropic', 'claude-3-haiku-20240307').minTokens).toBe(2048);
    expect(cachePolicyFor('claude-compat', 'openai', 'claude-sonnet-4-5').mechanism).toBe('none');
    expect(cachePolicyFor('gemini', 'gemini', 'gemini-2.5-pro')).toMatchObject({
      mechanism: 'automatic',
      minTokens: 2048,
    });
    expect(cachePolicyFor('gemini', 'gemini', 'gemini-3-pro-preview').minTokens).toBe(4096);
    expect(cachePolicyFor('gemini', 'gemini', 'gemini-2.0-flash').mechanism).toBe('none');
  });
});

describe('CachePredictor (automatic, OpenAI)', () => {
  it('predicts floor(3000/128)*128 for a second identical 3,000-token prompt within the TTL', async () => {
    const predictor = new CachePredictor();
    const request = openaiRequest(3_000);
    const first = await predictor.predict(openaiInput(request, T0));
    expect(first.estimated_cached_tokens).toBe(0);
    const second = await predictor.predict(openaiInput(request, T0 + 30_000));
    expect(second.estimated_cached_tokens).toBe(Math.floor(3_000 / 128) * 128);
    expect(second.estimated_cached_tokens).toBe(2_944);
    expect(second.estimated_cache_hit_rate).toBeCloseTo(2_944 / 3_000, 10);
  });

  it('predicts 0 for a prompt under 1,024 tokens', async () => {
    const predictor = new CachePredictor();
    const request = openaiRequest(1_000);
    await predictor.predict(openaiInput(request, T0));
    expect((await predictor.predict(openaiInput(request, T0 + 1_000))).estimated_cached_tokens).toBe(0);
  });

  it('predicts the shared prefix only (in 128-token steps) when the end of the prompt changes', async () => {
    const predictor = new CachePredictor();
    const a = openaiRequest(3_000);
    await predictor.predict(openaiInput(a, T0));
    const b = { ...a, messages: [...a.messages, { role: 'user', content: 'and one more thing' }] };
    const hit = await predictor.predict(openaiInput(b, T0 + 1_000));
    expect(hit.estimated_cached_tokens).toBe(2_944);
  });

  it('predicts 0 when an early message changed', async () => {
    const predictor = new CachePredictor();
    await predictor.predict(openaiInput(openaiRequest(3_000), T0));
    const changed = openaiRequest(3_000, 'You are a careless assistant.');
    expect((await predictor.predict(openaiInput(changed, T0 + 1_000))).estimated_cached_tokens).toBe(0);
  });

  it('predicts 0 for another tenant, another model or another prompt_cache_key', async () => {
    const predictor = new CachePredictor();
    const request = openaiRequest(3_000);
    await predictor.predict(openaiInput(request, T0));
    expect((await predictor.predict(openaiInput(request, T0 + 1, { tenant: 'other' }))).estimated_cached_tokens).toBe(
      0,
    );
    expect((await predictor.predict(openaiInput(request, T0 + 2, { model: 'gpt-4.1' }))).estimated_cached_tokens).toBe(
      0,
    );
    const keyed = { ...request, prompt_cache_key: 'user-42' };
    expect((await predictor.predict(openaiInput(keyed, T0 + 3))).estimated_cached_tokens).toBe(0);
    expect((await predictor.predict(openaiInput(keyed, T0 + 4))).estimated_cached_tokens).toBe(2_944);
  });

  it('predicts 0 after the TTL (default 5 min, configurable; refreshed by each hit)', async () => {
    const predictor = new CachePredictor();
    const request = openaiRequest(3_000);
    await predictor.predict(openaiInput(request, T0));
    expect((await predictor.predict(openaiInput(request, T0 + 4 * MIN))).estimated_cached_tokens).toBe(2_944);
    // 4 min after the last use: still warm.
    expect((await predictor.predict(openaiInput(request, T0 + 8 * MIN))).estimated_cached_tokens).toBe(2_944);
    expect((await predictor.predict(openaiInput(request, T0 + 14 * MIN))).estimated_cached_tokens).toBe(0);

    const patient = new CachePredictor({ ttlMs: { openai: 60 * MIN } });
    await patient.predict(openaiInput(request, T0));
    expect((await patient.predict(openaiInput(request, T0 + 30 * MIN))).estimated_cached_tokens).toBe(2_944);
  });

  it('does not read an entry before the writing call has started responding', async () => {
    const predictor = new CachePredictor();
    const request = openaiRequest(3_000);
    await predictor.predict({ ...openaiInput(request, T0), readyAtMs: T0 + 2_000 });
    expect((await predictor.predict(openaiInput(request, T0 + 1_000))).estimated_cached_tokens).toBe(0);
  });

  it('sees earlier calls of the same batch when predictions run concurrently', async () => {
    const predictor = new CachePredictor();
    const request = openaiRequest(3_000);
    const [a, b] = await Promise.all([
      predictor.predict(openaiInput(request, T0)),
      predictor.predict(openaiInput(request, T0 + 1_000)),
    ]);
    expect([a.estimated_cached_tokens, b.estimated_cached_tokens]).toEqual([0, 2_944]);
  });

  it('predicts nothing for legacy models without prompt caching', async () => {
    const predictor = new CachePredictor();
    const request = { ...openaiRequest(3_000), model: 'gpt-4-0613' };
    const input = (at: number) => ({ ...openaiInput(request, at), model: 'gpt-4-0613' });
    await predictor.predict(input(T0));
    expect(await predictor.predict(input(T0 + 1))).toMatchObject({ estimated_cached_tokens: 0, mechanism: 'none' });
  });

  it('uses a bounded LRU store', async () => {
    const store = new InMemoryPrefixStore({ maxEntries: 10 });
    const predictor = new CachePredictor({ store });
    await predictor.predict(openaiInput(openaiRequest(3_000), T0));
    expect(store.size).toBe(10);
  });
});

const LONG_SYSTEM = `You are a support agent for ACME. ${'Policy clause about refunds and returns. '.repeat(200)}`;

function anthropicRequest(question: string, over: Record<string, unknown> = {}, ttl?: '1h') {
  return {
    model: 'claude-sonnet-4-5',
    max_tokens: 512,
    system: [{ type: 'text', text: LONG_SYSTEM, cache_control: { type: 'ephemeral', ...(ttl ? { ttl } : {}) } }],
    messages: [{ role: 'user', content: question }],
    ...over,
  };
}

function anthropicInput(request: unknown, at: number, model = 'claude-sonnet-4-5'): CachePredictionInput {
  return {
    tenant: 'acme',
    provider: 'anthropic',
    providerType: 'anthropic',
    model,
    prompt: tokens.renderPrompt(request, 'anthropic', model),
    request,
    callerFormat: 'anthropic-messages',
    startedAtMs: at,
  };
}

describe('CachePredictor (explicit, Anthropic)', () => {
  const systemTokens = () => {
    const prompt = tokens.renderPrompt(anthropicRequest('q'), 'anthropic');
    return Math.round(prompt.blocks[0].end * prompt.factor);
  };

  it('predicts the breakpoint prefix when it was written before, and the write on the first call', async () => {
    const predictor = new CachePredictor();
    expect(systemTokens()).toBeGreaterThan(1_024);
    const first = await predictor.predict(anthropicInput(anthropicRequest('What is the refund window?'), T0));
    expect(first).toMatchObject({ estimated_cached_tokens: 0, estimated_cache_write_tokens: systemTokens() });
    const second = await predictor.predict(anthropicInput(anthropicRequest('Can I return a gift?'), T0 + 10_000));
    expect(second).toMatchObject({ estimated_cached_tokens: systemTokens(), estimated_cache_write_tokens: 0 });
  });

  it('predicts 0 without cache_control, and for OpenAI-format callers routed to Anthropic', async () => {
    const predictor = new CachePredictor();
    const plain = { ...anthropicRequest('q'), system: LONG_SYSTEM };
    await predictor.predict(anthropicInput(plain, T0));
    expect((await predictor.predict(anthropicInput(plain, T0 + 1))).estimated_cached_tokens).toBe(0);

    const openaiShaped = { model: 'claude-sonnet-4-5', messages: [{ role: 'system', content: LONG_SYSTEM }] };
    const input = (at: number): CachePredictionInput => ({
      ...anthropicInput(openaiShaped, at),
      prompt: tokens.renderPrompt(openaiShaped, 'openai'),
      callerFormat: 'openai-chat',
    });
    await predictor.predict(input(T0));
    expect((await predictor.predict(input(T0 + 1))).estimated_cached_tokens).toBe(0);
  });

  it('predicts 0 below the model minimum (Haiku 4.5: 4,096)', async () => {
    const predictor = new CachePredictor();
    await predictor.predict(anthropicInput(anthropicRequest('a'), T0, 'claude-haiku-4-5'));
    const second = await predictor.predict(anthropicInput(anthropicRequest('b'), T0 + 1, 'claude-haiku-4-5'));
    expect(second).toMatchObject({ estimated_cached_tokens: 0, estimated_cache_write_tokens: 0 });
  });

  it('honours the breakpoint TTL: 5 minutes by default, 1 hour with ttl "1h"', async () => {
    const short = new CachePredictor();
    await short.predict(anthropicInput(anthropicRequest('a'), T0));
    expect((await short.predict(anthropicInput(anthropicRequest('b'), T0 + 10 * MIN))).estimated_cached_tokens).toBe(0);

    const long = new CachePredictor();
    const first = await long.predict(anthropicInput(anthropicRequest('a', {}, '1h'), T0));
    expect(first.estimated_cache_write_1h_tokens).toBe(systemTokens());
    const later = await long.predict(anthropicInput(anthropicRequest('b', {}, '1h'), T0 + 10 * MIN));
    expect(later.estimated_cached_tokens).toBe(systemTokens());
  });

  it('finds an earlier breakpoint within the 20-block lookback of a moving conversation breakpoint', async () => {
    const predictor = new CachePredictor();
    const turn = (text: string, cached: boolean) => ({
      role: 'user',
      content: [{ type: 'text', text, ...(cached ? { cache_control: { type: 'ephemeral' } } : {}) }],
    });
    const system = [{ type: 'text', text: LONG_SYSTEM }];
    const first = { model: 'claude-sonnet-4-5', max_tokens: 10, system, messages: [turn('first question', true)] };
    await predictor.predict(anthropicInput(first, T0));
    const history = [
      turn('first question', false),
      { role: 'assistant', content: [{ type: 'text', text: 'first answer' }] },
    ];
    const second = { ...first, messages: [...history, turn('second question', true)] };
    const prompt = tokens.renderPrompt(first, 'anthropic');
    const expected = Math.round(prompt.blocks[1].end * prompt.factor);
    expect((await predictor.predict(anthropicInput(second, T0 + MIN))).estimated_cached_tokens).toBe(expected);

    // 25 filler blocks between the old breakpoint and the new one: beyond the lookback, no hit.
    const filler = Array.from({ length: 25 }, (_, i) => ({ type: 'text', text: `note ${i}` }));
    const far = {
      ...first,
      messages: [
        ...history,
        { role: 'user', content: [...filler, { type: 'text', text: 'q', cache_control: { type: 'ephemeral' } }] },
      ],
    };
    const other = new CachePredictor();
    await other.predict(anthropicInput(first, T0));
    expect((await other.predict(anthropicInput(far, T0 + MIN))).estimated_cached_tokens).toBe(0);
  });
});

describe('CachePredictor (Gemini, DeepSeek)', () => {
  it('uses the family minimum for Gemini implicit caching', async () => {
    const predictor = new CachePredictor();
    const request = openaiRequest(3_000);
    const input = (at: number, model: string): CachePredictionInput => ({
      ...openaiInput(request, at),
      provider: 'gemini',
      providerType: 'gemini',
      model,
      prompt: tokens.renderPrompt(request, 'openai', model),
    });
    await predictor.predict(input(T0, 'gemini-2.5-flash'));
    const hit = await predictor.predict(input(T0 + 1, 'gemini-2.5-flash'));
    expect(hit.estimated_cached_tokens).toBeGreaterThanOrEqual(2_048);
    expect(hit.estimated_cached_tokens % 128).toBe(0);
    await predictor.predict(input(T0, 'gemini-3-pro-preview'));
    expect((await predictor.predict(input(T0 + 1, 'gemini-3-pro-preview'))).estimated_cached_tokens).toBe(0);
  });

  it('predicts DeepSeek hits from short prefixes too', async () => {
    const predictor = new CachePredictor();
    const request = openaiRequest(600);
    const input = (at: number): CachePredictionInput => ({
      ...openaiInput(request, at),
      provider: 'deepseek',
      model: 'deepseek-chat',
      prompt: tokens.renderPrompt(request, 'openai', 'deepseek-chat'),
    });
    await predictor.predict(input(T0));
    expect((await predictor.predict(input(T0 + 1))).estimated_cached_tokens).toBeGreaterThanOrEqual(512);
  });
});
