import Anthropic from '@anthropic-ai/sdk';
import type Redis from 'ioredis';
import { randomUUID } from 'node:crypto';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SemanticResponseCacheService } from '../../apps/gateway/src/cache/semantic-response-cache.service';
import { standardConfig, startHarness, type Harness } from '../support/harness';
import { redisUnderPrefix } from '../support/redis-keys';

const clients = (h: Harness, key = 'team-a-key-123') => ({
  openai: new OpenAI({ baseURL: `${h.gateway.url}/v1`, apiKey: key, maxRetries: 0 }),
  anthropic: new Anthropic({ baseURL: h.gateway.url, apiKey: key, maxRetries: 0 }),
});
/** A fresh system prompt per test: its own semantic bucket, so tests never see each other's entries. */
const freshSystem = () => `You are a helpful assistant. Session ${randomUUID()}.`;
const ask = (system: string, content: string, extra: Record<string, unknown> = {}) => ({
  model: 'gpt-4o',
  messages: [
    { role: 'system' as const, content: system },
    { role: 'user' as const, content },
  ],
  temperature: 0,
  ...extra,
});
const semanticConfig = (extra: Record<string, unknown> = {}) => ({ semantic: { enabled: true }, ...extra }) as never;

describe('semantic cache (in-memory index)', () => {
  let h: Harness;
  let openai: OpenAI;

  beforeAll(async () => {
    h = await startHarness((fakes) => {
      const config = standardConfig(fakes, { cache: semanticConfig() });
      const models = config.models as Record<string, unknown>;
      models['gpt-4o-exact-only'] = {
        provider: 'openai',
        model: 'gpt-4o-2024-08-06',
        cache: { semantic: false },
      };
      return config;
    });
    ({ openai } = clients(h));
  });
  afterAll(() => h.stop());

  it('a case/punctuation variant is answered from the cache: semantic-hit, one upstream request', async () => {
    const system = freshSystem();
    const before = h.openai.requests.length;
    const first = await openai.chat.completions.create(ask(system, 'What is the capital of France?')).withResponse();
    expect(first.response.headers.get('x-lessllm-cache')).toBe('miss');
    const second = await openai.chat.completions.create(ask(system, 'what is the capital of france')).withResponse();
    expect(second.response.headers.get('x-lessllm-cache')).toBe('semantic-hit');
    expect(h.openai.requests.length).toBe(before + 1);
    expect(second.data).toEqual(first.data);
    expect(second.response.headers.get('x-lessllm-provider')).toBe('openai');
    expect(second.response.headers.get('x-lessllm-model')).toBe('gpt-4o-2024-08-06');

    const missEvent = await h.eventFor(first.response.headers.get('x-request-id')!);
    const hitEvent = await h.eventFor(second.response.headers.get('x-request-id')!);
    expect(missEvent.cache?.status).toBe('miss');
    expect(missEvent.cache?.similarity).toBeUndefined();
    expect(hitEvent).toMatchObject({ status: 'success', attempts: [], usage: missEvent.usage });
    expect(hitEvent.cache).toMatchObject({
      status: 'semantic-hit',
      key_hash: missEvent.cache!.key_hash,
      saved_prompt_tokens: first.data.usage!.prompt_tokens,
      saved_completion_tokens: first.data.usage!.completion_tokens,
    });
    expect(hitEvent.cache!.similarity).toBeGreaterThanOrEqual(0.85);
    expect(hitEvent.cache!.similarity).toBeLessThanOrEqual(1);

    // A stream is replayed from the same entry, exactly like an exact hit.
    const stream = await openai.chat.completions.create({
      ...ask(system, 'What is the capital of France ?!'),
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta?.content ?? '';
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe(first.data.choices[0].message.content);
    expect(usage).toEqual(first.data.usage);
    expect(h.openai.requests.length).toBe(before + 1);
    expect(h.gateway.app.get(SemanticResponseCacheService).stats().hits).toBeGreaterThanOrEqual(2);
  });

  it('a near-miss with a different number is not a hit', async () => {
    const system = freshSystem();
    const before = h.openai.requests.length;
    const a = await openai.chat.completions.create(ask(system, 'What is 12 + 7?')).withResponse();
    const b = await openai.chat.completions.create(ask(system, 'What is 12 + 8?')).withResponse();
    expect(a.response.headers.get('x-lessllm-cache')).toBe('miss');
    expect(b.response.headers.get('x-lessllm-cache')).toBe('miss');
    expect(h.openai.requests.length).toBe(before + 2);
    expect(b.data.choices[0].message.content).toContain('12 + 8');
  });

  it("tenants are isolated: team-b never receives team-a's answer, but hits its own", async () => {
    const system = freshSystem();
    const teamB = clients(h, 'team-b-key-456').openai;
    const before = h.openai.requests.length;
    const a = await openai.chat.completions.create(ask(system, 'What is the capital of France?')).withResponse();
    const b = await teamB.chat.completions.create(ask(system, 'what is the capital of france')).withResponse();
    expect(a.response.headers.get('x-lessllm-cache')).toBe('miss');
    expect(b.response.headers.get('x-lessllm-cache')).toBe('miss');
    expect(h.openai.requests.length).toBe(before + 2);
    expect(b.data.id).not.toBe(a.data.id);
    const b2 = await teamB.chat.completions.create(ask(system, 'What is the capital of France??')).withResponse();
    expect(b2.response.headers.get('x-lessllm-cache')).toBe('semantic-hit');
    expect(b2.data.id).toBe(b.data.id);
    expect((await h.eventFor(b2.response.headers.get('x-request-id')!)).tenant).toBe('team-b');
  });

  it('a different system prompt never hits', async () => {
    const before = h.openai.requests.length;
    await openai.chat.completions.create(ask(freshSystem(), 'What is the capital of France?'));
    const other = await openai.chat.completions
      .create(ask(freshSystem(), 'what is the capital of france'))
      .withResponse();
    expect(other.response.headers.get('x-lessllm-cache')).toBe('miss');
    expect(h.openai.requests.length).toBe(before + 2);
  });

  it('caller headers and policy apply: no-cache and no-store skip it, temperature > 0 bypasses, alias opt-out', async () => {
    const system = freshSystem();
    await openai.chat.completions.create(ask(system, 'What is the capital of France?'));
    const before = h.openai.requests.length;
    for (const directive of ['no-cache', 'no-store']) {
      const { response } = await openai.chat.completions
        .create(ask(system, 'what is the capital of france'), { headers: { 'x-lessllm-cache': directive } })
        .withResponse();
      expect(response.headers.get('x-lessllm-cache')).toBe('bypass');
    }
    const warm = await openai.chat.completions
      .create(ask(system, 'what is the capital of france', { temperature: 0.7 }))
      .withResponse();
    expect(warm.response.headers.get('x-lessllm-cache')).toBe('bypass');
    expect(h.openai.requests.length).toBe(before + 3);

    const optOut = freshSystem();
    const exactOnly = (content: string) => ({ ...ask(optOut, content), model: 'gpt-4o-exact-only' });
    await openai.chat.completions.create(exactOnly('What is the capital of France?'));
    const variant = await openai.chat.completions.create(exactOnly('what is the capital of france')).withResponse();
    expect(variant.response.headers.get('x-lessllm-cache')).toBe('miss');
    const exact = await openai.chat.completions.create(exactOnly('what is the capital of france')).withResponse();
    expect(exact.response.headers.get('x-lessllm-cache')).toBe('hit');
  });

  it('Anthropic callers: the system field is part of the context, and a variant hits', async () => {
    const { anthropic } = clients(h);
    const system = freshSystem();
    const params = (content: string, sys = system) => ({
      model: 'claude',
      max_tokens: 100,
      temperature: 0,
      system: sys,
      messages: [{ role: 'user' as const, content }],
    });
    const before = h.anthropic.requests.length;
    const first = await anthropic.messages.create(params('What is the capital of France?'));
    const hit = await anthropic.messages.create(params('what is the capital of france')).withResponse();
    expect(hit.response.headers.get('x-lessllm-cache')).toBe('semantic-hit');
    expect(hit.data.content).toEqual(first.content);
    const other = await anthropic.messages
      .create(params('what is the capital of france', freshSystem()))
      .withResponse();
    expect(other.response.headers.get('x-lessllm-cache')).toBe('miss');
    expect(h.anthropic.requests.length).toBe(before + 2);
  });
});

describe('semantic cache disabled (the default)', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness((fakes) => standardConfig(fakes));
  });
  afterAll(() => h.stop());

  it('a variant is a plain miss; only exact repeats hit', async () => {
    const { openai } = clients(h);
    const system = freshSystem();
    const before = h.openai.requests.length;
    await openai.chat.completions.create(ask(system, 'What is the capital of France?'));
    const variant = await openai.chat.completions.create(ask(system, 'what is the capital of france')).withResponse();
    expect(variant.response.headers.get('x-lessllm-cache')).toBe('miss');
    expect(h.openai.requests.length).toBe(before + 2);
    const exact = await openai.chat.completions.create(ask(system, 'what is the capital of france')).withResponse();
    expect(exact.response.headers.get('x-lessllm-cache')).toBe('hit');
    expect(h.events.some((e) => e.cache?.status === 'semantic-hit')).toBe(false);
    expect(h.gateway.app.get(SemanticResponseCacheService).enabledFor('gpt-4o')).toBe(false);
  });
});

describe('semantic cache (Redis index)', () => {
  const prefix = `lessllm-test:${randomUUID()}:`;
  let h: Harness;
  let redis: Redis;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    h = await startHarness((fakes) =>
      standardConfig(fakes, {
        cache: semanticConfig({ redis_url: 'redis://127.0.0.1:6379', key_prefix: prefix }),
      }),
    );
    ({ redis, cleanup } = redisUnderPrefix(prefix));
  });
  afterAll(async () => {
    await cleanup();
    await h.stop();
  });

  it('stores the index under the prefix with a TTL and serves a variant from it; tenants stay apart', async () => {
    const { openai } = clients(h);
    const system = freshSystem();
    const before = h.openai.requests.length;
    const first = await openai.chat.completions.create(ask(system, 'What is the capital of France?')).withResponse();
    expect(first.response.headers.get('x-lessllm-cache')).toBe('miss');
    await expect.poll(async () => (await redis.keys(`${prefix}sem:*`)).length).toBeGreaterThan(0);
    const [entry] = await redis.keys(`${prefix}sem:*e:*`);
    expect(await redis.pttl(entry)).toBeGreaterThan(3_500_000);
    const second = await openai.chat.completions.create(ask(system, 'what is the capital of france')).withResponse();
    expect(second.response.headers.get('x-lessllm-cache')).toBe('semantic-hit');
    expect(second.data).toEqual(first.data);
    expect(h.openai.requests.length).toBe(before + 1);

    const teamB = clients(h, 'team-b-key-456').openai;
    const b = await teamB.chat.completions.create(ask(system, 'what is the capital of france?')).withResponse();
    expect(b.response.headers.get('x-lessllm-cache')).toBe('miss');
    const near = await openai.chat.completions.create(ask(system, 'What is the capital of Germany?')).withResponse();
    expect(near.response.headers.get('x-lessllm-cache')).toBe('miss');
    expect(h.openai.requests.length).toBe(before + 3);
  });
});

describe('semantic cache with a model embedder through the gateway providers', () => {
  let h: Harness;
  const embedder = (model: string) =>
    semanticConfig({ semantic: { enabled: true, embedder: { model, dimensions: 8 }, threshold: 0.99 } });

  beforeAll(async () => {
    h = await startHarness((fakes) => standardConfig(fakes, { cache: embedder('text-embedding-3-small') }));
  });
  afterAll(() => h.stop());

  const embeddingCalls = () => h.openai.requests.filter((r) => r.path.endsWith('/embeddings'));

  it('embeds last turns with the provider model (provider key, one request per lookup/store) and hits', async () => {
    const { openai } = clients(h);
    const system = freshSystem();
    const before = embeddingCalls().length;
    const first = await openai.chat.completions.create(ask(system, 'What is the capital of France?')).withResponse();
    expect(first.response.headers.get('x-lessllm-cache')).toBe('miss');
    await expect.poll(() => embeddingCalls().length).toBe(before + 2); // the lookup, then the background store
    const second = await openai.chat.completions.create(ask(system, 'what is the capital of france')).withResponse();
    expect(second.response.headers.get('x-lessllm-cache')).toBe('semantic-hit');
    expect(second.data).toEqual(first.data);
    const hitEvent = await h.eventFor(second.response.headers.get('x-request-id')!);
    expect(hitEvent.cache?.similarity).toBeCloseTo(1, 4);

    const call = embeddingCalls().at(-1)!;
    expect(call.headers.authorization).toBe('Bearer sk-fake-openai');
    expect(call.body).toMatchObject({ model: 'text-embedding-3-small', input: ['what is the capital of france'] });

    const other = await openai.chat.completions.create(ask(system, 'What is the capital of Spain?')).withResponse();
    expect(other.response.headers.get('x-lessllm-cache')).toBe('miss');
    expect(h.gateway.app.get(SemanticResponseCacheService).stats()).toMatchObject({ hits: 1, lookup_failures: 0 });
  });
});

describe('semantic cache with a failing model embedder', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness((fakes) =>
      standardConfig(fakes, {
        cache: semanticConfig({
          semantic: { enabled: true, embedder: { model: 'bad-request', dimensions: 8 }, threshold: 0.99 },
        }),
      }),
    );
  });
  afterAll(() => h.stop());

  it('fails open: the call is served by the provider and the failure is counted', async () => {
    const { openai } = clients(h);
    const system = freshSystem();
    for (const content of ['What is the capital of France?', 'what is the capital of france']) {
      const res = await openai.chat.completions.create(ask(system, content)).withResponse();
      expect(res.data.choices[0].message.content).toContain('echo:');
      expect(res.response.headers.get('x-lessllm-cache')).toBe('miss');
    }
    expect(h.gateway.app.get(SemanticResponseCacheService).stats().lookup_failures).toBe(2);
  });
});
