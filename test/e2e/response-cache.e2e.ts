import Anthropic from '@anthropic-ai/sdk';
import type Redis from 'ioredis';
import { randomUUID } from 'node:crypto';
import OpenAI from 'openai';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ResponseCacheService } from '../../apps/gateway/src/cache/response-cache.service';
import { standardConfig, startHarness, type Harness } from '../support/harness';
import { redisUnderPrefix } from '../support/redis-keys';

const weather = {
  type: 'function' as const,
  function: {
    name: 'get_weather',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
};
const clients = (h: Harness, key = 'team-a-key-123') => ({
  openai: new OpenAI({ baseURL: `${h.gateway.url}/v1`, apiKey: key, maxRetries: 0 }),
  anthropic: new Anthropic({ baseURL: h.gateway.url, apiKey: key, maxRetries: 0 }),
});
const unique = (text: string) => `${text} ${randomUUID().slice(0, 8)}`;
const ask = (content: string, extra: Record<string, unknown> = {}) => ({
  model: 'gpt-4o',
  messages: [{ role: 'user' as const, content }],
  temperature: 0,
  ...extra,
});

describe('exact response cache (in-memory store)', () => {
  let h: Harness;
  let openai: OpenAI;
  let anthropic: Anthropic;

  beforeAll(async () => {
    h = await startHarness((fakes) => standardConfig(fakes));
    ({ openai, anthropic } = clients(h));
  });
  afterAll(() => h.stop());

  it('miss then hit: one upstream request; the hit keeps the answer, usage and headers, with no attempts', async () => {
    const body = ask(unique('hello cache'));
    const before = h.openai.requests.length;
    const first = await openai.chat.completions.create(body).withResponse();
    expect(first.response.headers.get('x-lessllm-cache')).toBe('miss');
    const second = await openai.chat.completions.create({ ...body, user: 'bob' }).withResponse();
    expect(second.response.headers.get('x-lessllm-cache')).toBe('hit');
    expect(h.openai.requests.length).toBe(before + 1);
    expect(second.data).toEqual(first.data);
    const id1 = first.response.headers.get('x-request-id')!;
    const id2 = second.response.headers.get('x-request-id')!;
    expect(id2).not.toBe(id1);
    expect(second.response.headers.get('x-lessllm-provider')).toBe('openai');
    expect(second.response.headers.get('x-lessllm-model')).toBe('gpt-4o-2024-08-06');
    const missEvent = await h.eventFor(id1);
    const hitEvent = await h.eventFor(id2);
    expect(missEvent.cache).toMatchObject({ status: 'miss', saved_prompt_tokens: 0 });
    expect(hitEvent).toMatchObject({ status: 'success', provider: 'openai', attempts: [], usage: missEvent.usage });
    expect(hitEvent.cache).toEqual({
      status: 'hit',
      key_hash: missEvent.cache!.key_hash,
      saved_prompt_tokens: first.data.usage!.prompt_tokens,
      saved_completion_tokens: first.data.usage!.completion_tokens,
    });
    expect(hitEvent.cache!.key_hash).toMatch(/^[0-9a-f]{16}$/);
  });

  it('byte-different but equal requests hit (key order, defaults, stream flags)', async () => {
    const content = unique('same question');
    await openai.chat.completions.create(ask(content));
    const { response } = await openai.chat.completions
      .create({ temperature: 0, top_p: 1, n: 1, messages: [{ content, role: 'user' }], model: 'gpt-4o' })
      .withResponse();
    expect(response.headers.get('x-lessllm-cache')).toBe('hit');
  });

  it('OpenAI: a stream is served from a non-stream entry (text, tool calls, usage chunk), and vice versa', async () => {
    const body = ask(unique('stream me'));
    const plain = await openai.chat.completions.create(body);
    const before = h.openai.requests.length;
    const stream = await openai.chat.completions.create({
      ...body,
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta?.content ?? '';
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe(plain.choices[0].message.content);
    expect(usage).toEqual(plain.usage);
    expect(h.openai.requests.length).toBe(before);

    const tools = ask(unique('weather in Paris'), { tools: [weather] });
    const streamed = await openai.chat.completions.stream({ ...tools, stream: true }).finalChatCompletion();
    const { data, response } = await openai.chat.completions.create(tools).withResponse();
    expect(response.headers.get('x-lessllm-cache')).toBe('hit');
    expect(data.choices[0].message.tool_calls).toEqual(streamed.choices[0].message.tool_calls);
    expect(data.usage?.completion_tokens).toBeGreaterThan(0);
    const replayed = await openai.chat.completions.stream({ ...tools, stream: true }).finalChatCompletion();
    expect(replayed.choices[0].message.tool_calls).toEqual(streamed.choices[0].message.tool_calls);
    expect(replayed.choices[0].finish_reason).toBe('tool_calls');
  });

  it('Anthropic: non-stream from a stream entry and a stream from a non-stream entry, tool use included', async () => {
    const params = {
      model: 'claude',
      max_tokens: 200,
      temperature: 0,
      messages: [{ role: 'user' as const, content: unique('tell me') }],
    };
    const streamed = await anthropic.messages.stream(params).finalMessage();
    const before = h.anthropic.requests.length;
    const { data, response } = await anthropic.messages.create(params).withResponse();
    expect(response.headers.get('x-lessllm-cache')).toBe('hit');
    expect(data.content).toEqual(streamed.content);
    expect(data.usage.output_tokens).toBe(streamed.usage.output_tokens);

    const tool = {
      name: 'get_weather',
      input_schema: { type: 'object' as const, properties: { city: { type: 'string' } } },
    };
    const withTools = { ...params, tools: [tool], messages: [{ role: 'user' as const, content: unique('weather') }] };
    const plain = await anthropic.messages.create(withTools);
    expect(plain.stop_reason).toBe('tool_use');
    const replay = anthropic.messages.stream(withTools);
    const final = await replay.finalMessage();
    expect(final.content).toEqual(plain.content);
    expect(final.usage.input_tokens).toBe(plain.usage.input_tokens);
    expect(final.usage.output_tokens).toBe(plain.usage.output_tokens);
    expect(h.anthropic.requests.length).toBe(before + 1);
  });

  it('headers: no-store bypasses both ways, no-cache refreshes, force caches temperature > 0, ttl expires', async () => {
    const h1 = ask(unique('no store'));
    const a = await openai.chat.completions.create(h1, { headers: { 'x-lessllm-cache': 'no-store' } }).withResponse();
    expect(a.response.headers.get('x-lessllm-cache')).toBe('bypass');
    const b = await openai.chat.completions.create(h1).withResponse();
    expect(b.response.headers.get('x-lessllm-cache')).toBe('miss');
    const c = await openai.chat.completions.create(h1, { headers: { 'x-lessllm-cache': 'no-cache' } }).withResponse();
    expect(c.response.headers.get('x-lessllm-cache')).toBe('bypass');
    const d = await openai.chat.completions.create(h1).withResponse();
    expect(d.response.headers.get('x-lessllm-cache')).toBe('hit');

    const warm = ask(unique('creative'), { temperature: 0.7 });
    const force = { headers: { 'x-lessllm-cache': 'force' } };
    expect(
      (await openai.chat.completions.create(warm, force).withResponse()).response.headers.get('x-lessllm-cache'),
    ).toBe('miss');
    expect(
      (await openai.chat.completions.create(warm, force).withResponse()).response.headers.get('x-lessllm-cache'),
    ).toBe('hit');

    const short = ask(unique('short lived'));
    await openai.chat.completions.create(short, { headers: { 'x-lessllm-cache-ttl': '1' } });
    expect((await openai.chat.completions.create(short).withResponse()).response.headers.get('x-lessllm-cache')).toBe(
      'hit',
    );
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect((await openai.chat.completions.create(short).withResponse()).response.headers.get('x-lessllm-cache')).toBe(
      'miss',
    );

    await expect(
      openai.chat.completions.create(h1, { headers: { 'x-lessllm-cache': 'sometimes' } }),
    ).rejects.toMatchObject({
      status: 400,
    });
  });

  it('temperature > 0 (or omitted) is not cached by default', async () => {
    const body = ask(unique('random'), { temperature: 0.8 });
    const before = h.openai.requests.length;
    const a = await openai.chat.completions.create(body).withResponse();
    const b = await openai.chat.completions.create(body).withResponse();
    expect(a.response.headers.get('x-lessllm-cache')).toBe('bypass');
    expect(b.response.headers.get('x-lessllm-cache')).toBe('bypass');
    expect(h.openai.requests.length).toBe(before + 2);
    expect((await h.eventFor(b.response.headers.get('x-request-id')!)).cache?.status).toBe('bypass');
  });

  it('answers cut by max tokens and errors are never cached', async () => {
    const cut = ask(unique('one two three four five six seven'), { max_tokens: 2 });
    const first = await openai.chat.completions.create(cut);
    expect(first.choices[0].finish_reason).toBe('length');
    const again = await openai.chat.completions.create(cut).withResponse();
    expect(again.response.headers.get('x-lessllm-cache')).toBe('miss');

    const cutStream = {
      model: 'claude',
      max_tokens: 2,
      temperature: 0,
      messages: [{ role: 'user' as const, content: unique('a b c d e f') }],
    };
    expect((await anthropic.messages.stream(cutStream).finalMessage()).stop_reason).toBe('max_tokens');
    expect((await anthropic.messages.create(cutStream).withResponse()).response.headers.get('x-lessllm-cache')).toBe(
      'miss',
    );

    const bad = { ...ask(unique('bad')), model: 'claude-bad-request' };
    const before = h.anthropic.requests.length;
    await expect(openai.chat.completions.create(bad)).rejects.toMatchObject({ status: 400 });
    await expect(openai.chat.completions.create(bad)).rejects.toMatchObject({ status: 400 });
    expect(h.anthropic.requests.length).toBe(before + 2);
  });

  it('an aborted stream is not cached', async () => {
    const payload = {
      model: 'stream-slow',
      messages: [{ role: 'user', content: unique('long') }],
      stream: true,
      temperature: 0,
    };
    const controller = new AbortController();
    const res = await request(`${h.gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer team-a-key-123' },
      body: JSON.stringify(payload),
      signal: controller.signal,
    });
    expect(res.headers['x-lessllm-cache']).toBe('miss');
    for await (const chunk of res.body) if (String(chunk).includes('w2')) break;
    controller.abort();
    expect((await h.eventFor(String(res.headers['x-request-id']))).status).toBe('aborted');
    const again = await request(`${h.gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer team-a-key-123' },
      body: JSON.stringify(payload),
    });
    expect(again.headers['x-lessllm-cache']).toBe('miss');
    await again.body.dump();
  });

  it("tenants are isolated: team-b never receives team-a's cached answer", async () => {
    const teamB = clients(h, 'team-b-key-456').openai;
    const body = ask(unique('secret plan'));
    const before = h.openai.requests.length;
    const a = await openai.chat.completions.create(body).withResponse();
    const b = await teamB.chat.completions.create(body).withResponse();
    expect(a.response.headers.get('x-lessllm-cache')).toBe('miss');
    expect(b.response.headers.get('x-lessllm-cache')).toBe('miss');
    expect(h.openai.requests.length).toBe(before + 2);
    expect(b.data.id).not.toBe(a.data.id);
    const b2 = await teamB.chat.completions.create(body).withResponse();
    expect(b2.response.headers.get('x-lessllm-cache')).toBe('hit');
    expect(b2.data.id).toBe(b.data.id);
    const event = await h.eventFor(b2.response.headers.get('x-request-id')!);
    expect(event.tenant).toBe('team-b');
  });
});

describe('exact response cache (Redis store)', () => {
  const prefix = `lessllm-test:${randomUUID()}:`;
  let h: Harness;
  let redis: Redis;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    h = await startHarness((fakes) =>
      standardConfig(fakes, { cache: { redis_url: 'redis://127.0.0.1:6379', key_prefix: prefix } as never }),
    );
    ({ redis, cleanup } = redisUnderPrefix(prefix));
  });
  afterAll(async () => {
    await cleanup();
    await h.stop();
  });

  it('stores under the configured prefix with a TTL and serves hits across both SDK formats', async () => {
    const { openai, anthropic } = clients(h);
    const body = ask(unique('redis'));
    const before = h.openai.requests.length;
    expect((await openai.chat.completions.create(body).withResponse()).response.headers.get('x-lessllm-cache')).toBe(
      'miss',
    );
    await expect.poll(async () => (await redis.keys(`${prefix}*`)).length).toBe(1);
    const [key] = await redis.keys(`${prefix}*`);
    expect(await redis.ttl(key)).toBeGreaterThan(3500);
    const stream = await openai.chat.completions.create({ ...body, stream: true });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
    expect(text).toContain('echo: redis');
    expect(h.openai.requests.length).toBe(before + 1);

    const params = {
      model: 'claude',
      max_tokens: 100,
      temperature: 0,
      messages: [{ role: 'user' as const, content: unique('hi') }],
    };
    await anthropic.messages.create(params);
    await expect.poll(async () => (await redis.keys(`${prefix}*`)).length).toBe(2);
    const hit = await anthropic.messages.create(params).withResponse();
    expect(hit.response.headers.get('x-lessllm-cache')).toBe('hit');
    expect(h.gateway.app.get(ResponseCacheService).stats().hits).toBe(2);
  });
});

describe('exact response cache with Redis down', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness((fakes) => standardConfig(fakes, { cache: { redis_url: 'redis://127.0.0.1:1' } as never }));
  });
  afterAll(() => h.stop());

  it('fails open: calls succeed quickly with bypass, and the failure is counted and logged', async () => {
    const { openai } = clients(h);
    const body = ask(unique('no redis'));
    for (let i = 0; i < 3; i++) {
      const started = performance.now();
      const { data, response } = await openai.chat.completions.create(body).withResponse();
      expect(performance.now() - started).toBeLessThan(1000);
      expect(data.choices[0].message.content).toContain('echo: no redis');
      expect(response.headers.get('x-lessllm-cache')).toBe('bypass');
    }
    expect(h.gateway.app.get(ResponseCacheService).stats().lookup_failures).toBeGreaterThanOrEqual(3);
    expect(h.logs.some((line) => line.includes('response cache lookup failed'))).toBe(true);
  });
});
