import { TokenCounter } from '@lessllm/tokens';
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { CachePredictor } from '../enrichment';
import { RedisPrefixStore } from './redis-prefix-store';

// Real Redis (127.0.0.1:6379, started by the machine / CI). Each run uses its own key namespace.
const url = process.env.LESSLLM_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const namespace = `lessllm-test:${randomUUID()}:`;
const a = new RedisPrefixStore(url, namespace);
const b = new RedisPrefixStore(url, namespace);
afterAll(async () => {
  await a.close();
  await b.close();
});

describe('RedisPrefixStore', () => {
  it('round-trips entries and lets them expire', async () => {
    const entry = { tokens: 2048, available_at_ms: 1, expires_at_ms: 2, ttl_ms: 300_000 };
    await a.set('k1', entry, 60_000);
    expect(await b.get('k1')).toEqual(entry);
    await a.set('k2', entry, 30);
    await new Promise((r) => setTimeout(r, 80));
    expect(await b.get('k2')).toBeNull();
  });

  it('lets a second analyzer replica predict a hit on a prefix the first one recorded', async () => {
    const tokens = new TokenCounter();
    const request = {
      model: 'gpt-4o',
      messages: [
        { role: 'system', content: `Policy: ${'be precise and kind. '.repeat(400)}` },
        { role: 'user', content: 'First question?' },
      ],
    };
    const input = (startedAtMs: number) => ({
      tenant: 'acme',
      provider: 'openai',
      providerType: 'openai' as const,
      model: 'gpt-4o',
      prompt: tokens.renderPrompt(request, 'openai'),
      request,
      callerFormat: 'openai-chat' as const,
      startedAtMs,
    });
    const t0 = Date.now();
    // Replica 1 records the prompt; replica 2 (its own predictor, same Redis) sees the repeat as a hit.
    expect((await new CachePredictor({ store: a }).predict(input(t0))).estimated_cached_tokens).toBe(0);
    const second = await new CachePredictor({ store: b }).predict(input(t0 + 5_000));
    expect(second.estimated_cached_tokens).toBeGreaterThanOrEqual(1024);
    expect(second.estimated_cached_tokens % 128).toBe(0);
  });
});
