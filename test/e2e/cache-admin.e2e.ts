import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureCliBuilt, runCli } from '../support/cli';
import { standardConfig, startHarness, type Harness } from '../support/harness';
import { redisUnderPrefix } from '../support/redis-keys';

// Cache administration through the admin API (and the CLI over it): stats and purge by tenant, model or key,
// on both backends. Entries are filled by real calls through the OpenAI SDK.

const ADMIN = 'admin-key-123456';
const unique = (text: string) => `${text} ${randomUUID().slice(0, 8)}`;
const client = (h: Harness, key: string) => new OpenAI({ baseURL: `${h.gateway.url}/v1`, apiKey: key, maxRetries: 0 });

async function admin(h: Harness, method: 'GET' | 'POST', path: string, body?: unknown, key = ADMIN) {
  const res = await request(`${h.gateway.url}/v1/admin/cache/${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.statusCode, body: (await res.body.json()) as any };
}

const entries = async (h: Harness, query = '') => (await admin(h, 'GET', `stats${query}`)).body.store.entries as number;

/** One cacheable call; returns its cache header and the request hash prefix its event recorded. */
async function call(h: Harness, key: string, model: string, content: string) {
  const { response } = await client(h, key)
    .chat.completions.create({ model, temperature: 0, messages: [{ role: 'user', content }] })
    .withResponse();
  const event = await h.eventFor(response.headers.get('x-request-id')!);
  return { cache: response.headers.get('x-lessllm-cache'), keyHash: event.cache!.key_hash! };
}

const backends = [
  { name: 'in-memory store', redis: false },
  { name: 'Redis store', redis: true },
] as const;

describe.each(backends)('cache administration ($name)', ({ redis }) => {
  const prefix = `lessllm-test:${randomUUID()}:`;
  let h: Harness;
  let cleanup: () => Promise<void> = () => Promise.resolve();
  const prompts = { a1: unique('alpha'), a2: unique('beta'), aClaude: unique('gamma'), b1: unique('delta') };
  const hashes: Record<string, string> = {};

  beforeAll(async () => {
    h = await startHarness((fakes) =>
      standardConfig(fakes, {
        cache: (redis ? { redis_url: 'redis://127.0.0.1:6379', key_prefix: prefix } : {}) as never,
      }),
    );
    if (redis) ({ cleanup } = redisUnderPrefix(prefix));
    hashes.a1 = (await call(h, 'team-a-key-123', 'gpt-4o', prompts.a1)).keyHash;
    hashes.a2 = (await call(h, 'team-a-key-123', 'gpt-4o', prompts.a2)).keyHash;
    hashes.aClaude = (await call(h, 'team-a-key-123', 'claude', prompts.aClaude)).keyHash;
    hashes.b1 = (await call(h, 'team-b-key-456', 'gpt-4o', prompts.b1)).keyHash;
  });
  afterAll(async () => {
    await cleanup();
    await h.stop();
  });

  it('stats: entries and bytes by tenant and model, and the hit rate of this replica', async () => {
    await expect.poll(() => entries(h)).toBe(4); // stores are written in the background
    expect(await call(h, 'team-a-key-123', 'gpt-4o', prompts.a1)).toMatchObject({ cache: 'hit' });
    const { status, body } = await admin(h, 'GET', 'stats');
    expect(status).toBe(200);
    expect(body.backend).toBe(redis ? 'redis' : 'memory');
    expect(body.store.entries).toBe(4);
    expect(body.store.bytes).toBeGreaterThan(4 * 200);
    expect(body.exact).toMatchObject({ hits: 1, misses: 4, hit_rate: 0.2 });
    expect(body.semantic).toBeNull();
    expect(await entries(h, '?tenant=team-a')).toBe(3);
    expect(await entries(h, '?tenant=team-b')).toBe(1);
    expect(await entries(h, '?model=claude-sonnet-4-5')).toBe(1);
    expect(await entries(h, '?tenant=team-a&model=gpt-4o-2024-08-06')).toBe(2);
    expect(await entries(h, `?key=${hashes.b1}`)).toBe(1);
    expect(await entries(h, '?tenant=nobody')).toBe(0);
  });

  it('purge by key removes that answer only: the next identical call goes to the provider', async () => {
    const before = h.openai.requests.length;
    expect(await admin(h, 'POST', 'purge', { key: hashes.a2 })).toEqual({ status: 200, body: { purged: 1 } });
    expect(await call(h, 'team-a-key-123', 'gpt-4o', prompts.a2)).toMatchObject({ cache: 'miss' });
    expect(h.openai.requests.length).toBe(before + 1);
    expect(await call(h, 'team-a-key-123', 'gpt-4o', prompts.a1)).toMatchObject({ cache: 'hit' });
  });

  it('purge by tenant and by model leave everyone else cached', async () => {
    await expect.poll(() => entries(h)).toBe(4); // a2 stored again by the previous test
    expect((await admin(h, 'POST', 'purge', { tenant: 'team-b' })).body).toEqual({ purged: 1 });
    expect(await entries(h, '?tenant=team-b')).toBe(0);
    expect(await call(h, 'team-a-key-123', 'gpt-4o', prompts.a1)).toMatchObject({ cache: 'hit' });
    expect((await admin(h, 'POST', 'purge', { model: 'claude-sonnet-4-5' })).body).toEqual({ purged: 1 });
    expect(await call(h, 'team-a-key-123', 'claude', prompts.aClaude)).toMatchObject({ cache: 'miss' });
    expect(await call(h, 'team-a-key-123', 'gpt-4o', prompts.a2)).toMatchObject({ cache: 'hit' });
  });

  it('purge all empties the cache', async () => {
    await expect.poll(() => entries(h)).toBe(3);
    expect((await admin(h, 'POST', 'purge', { all: true })).body).toEqual({ purged: 3 });
    expect(await entries(h)).toBe(0);
  });

  it('bad requests name the field; caller keys and missing keys are refused', async () => {
    const bad = [
      [{}, 'all'],
      [{ all: true, tenant: 'team-a' }, 'all'],
      [{ key: 'not-hex!' }, 'key'],
      [{ key: 'abc' }, 'key'],
      [{ tenant: 5 }, 'tenant'],
      [{ model: '' }, 'model'],
    ] as const;
    for (const [body, param] of bad) {
      const res = await admin(h, 'POST', 'purge', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.param).toBe(param);
      expect(res.body.error.message).toContain(param);
    }
    const unknown = await admin(h, 'GET', 'stats?tenants=team-a');
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.message).toContain('tenants');
    expect((await admin(h, 'POST', 'purge', { all: true }, 'team-a-key-123')).status).toBe(403);
    const anonymous = await request(`${h.gateway.url}/v1/admin/cache/stats`);
    expect(anonymous.statusCode).toBe(401);
    await anonymous.body.dump();
  });
});

describe('cache administration with Redis down', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness((fakes) => standardConfig(fakes, { cache: { redis_url: 'redis://127.0.0.1:1' } as never }));
  });
  afterAll(() => h.stop());

  it('answers 503 naming the cache store instead of hanging or crashing', async () => {
    const started = performance.now();
    const res = await admin(h, 'POST', 'purge', { all: true });
    expect(performance.now() - started).toBeLessThan(2000);
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe('cache_store_unavailable');
    expect(res.body.error.message).toContain('redis cache store failed');
  });
});

describe('purged answers are not served by the semantic cache either', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness((fakes) => standardConfig(fakes, { cache: { semantic: { enabled: true } } as never }));
  });
  afterAll(() => h.stop());

  it('a variant that hit before the purge misses after it', async () => {
    const system = `Session ${randomUUID()}`;
    const ask = (content: string) =>
      client(h, 'team-a-key-123')
        .chat.completions.create({
          model: 'gpt-4o',
          temperature: 0,
          messages: [
            { role: 'system', content: system },
            { role: 'user', content },
          ],
        })
        .withResponse();
    expect((await ask('What is the capital of France?')).response.headers.get('x-lessllm-cache')).toBe('miss');
    await expect.poll(() => entries(h)).toBe(1);
    const variant = await ask('what is the capital of france');
    expect(variant.response.headers.get('x-lessllm-cache')).toBe('semantic-hit');
    expect((await admin(h, 'GET', 'stats')).body.semantic).toMatchObject({ hits: 1, misses: 1, hit_rate: 0.5 });
    expect((await admin(h, 'POST', 'purge', { tenant: 'team-a' })).body).toEqual({ purged: 1 });
    expect((await ask('What is the capital of France ?')).response.headers.get('x-lessllm-cache')).toBe('miss');
  });
});

describe('lessllm cache stats / purge', () => {
  let h: Harness;
  let home: string;

  beforeAll(async () => {
    ensureCliBuilt();
    home = mkdtempSync(join(tmpdir(), 'lessllm-cache-cli-'));
    h = await startHarness((fakes) => standardConfig(fakes));
  });
  afterAll(async () => {
    await h.stop();
    rmSync(home, { recursive: true, force: true });
  });

  it('shows entries and purges a tenant through the admin API', async () => {
    await call(h, 'team-a-key-123', 'gpt-4o', unique('cli one'));
    await call(h, 'team-b-key-456', 'gpt-4o', unique('cli two'));
    await expect.poll(() => entries(h)).toBe(2);
    const target = ['--url', h.gateway.url, '--admin-key', ADMIN];
    const stats = await runCli(['cache', 'stats', '--json', ...target], { home });
    expect(stats.code, stats.stderr).toBe(0);
    expect(JSON.parse(stats.stdout)).toMatchObject({ backend: 'memory', store: { entries: 2 } });
    const human = await runCli(['cache', 'stats', '--tenant', 'team-a', ...target], { home });
    expect(human.stdout).toMatch(/entries:\s+1\n/);
    expect(human.stdout).toMatch(/exact hit rate:\s+0\.0 %/);

    const refused = await runCli(['cache', 'purge', ...target], { home });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('--tenant, --model, --key, or --all');
    const purge = await runCli(['cache', 'purge', '--tenant', 'team-a', ...target], { home });
    expect(purge.code, purge.stderr).toBe(0);
    expect(purge.stdout).toBe('purged 1 cached answer\n');
    expect(await entries(h)).toBe(1);

    const wrongKey = await runCli(['cache', 'stats', '--url', h.gateway.url, '--admin-key', 'team-a-key-123'], {
      home,
    });
    expect(wrongKey.code).toBe(1);
    expect(wrongKey.stderr).toContain('403');
    expect(wrongKey.stderr).not.toContain('team-a-key-123');
  });
});
