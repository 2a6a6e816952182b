import { randomUUID } from 'node:crypto';
import OpenAI from 'openai';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { standardConfig, startHarness, type Harness } from '../support/harness';

// The gateway's /metrics after real calls through the SDK: every family the dashboards and alerts rely on moves.

/** The value of one series in Prometheus text output, whatever order the labels are printed in (0 when absent). */
function sample(text: string, series: string): number {
  const parse = (s: string) => {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?$/.exec(s);
    if (!m) return { name: '', labels: new Map<string, string>() };
    const labels = new Map([...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1], l[2]]));
    return { name: m[1], labels };
  };
  const want = parse(series);
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    const got = parse(line.slice(0, space));
    if (got.name !== want.name || got.labels.size !== want.labels.size) continue;
    if ([...want.labels].every(([k, v]) => got.labels.get(k) === v)) return Number(line.slice(space + 1));
  }
  return 0;
}

const scrape = async (h: Harness) => {
  const res = await request(`${h.gateway.url}/metrics`);
  expect(res.statusCode).toBe(200);
  expect(res.headers['content-type']).toContain('text/plain');
  return res.body.text();
};

describe('gateway /metrics', () => {
  let h: Harness;
  let openai: OpenAI;

  beforeAll(async () => {
    h = await startHarness((fakes) => standardConfig(fakes));
    openai = new OpenAI({ baseURL: `${h.gateway.url}/v1`, apiKey: 'team-a-key-123', maxRetries: 0 });
  });
  afterAll(() => h.stop());

  it('counts calls, upstream errors, cache outcomes, TTFT, overhead and HTTP requests', async () => {
    const before = await scrape(h);
    const ok =
      'lessllm_gateway_calls_total{endpoint="chat.completions",provider="openai",model="gpt-4o-2024-08-06",status="success",service="gateway"}';
    const body = {
      model: 'gpt-4o',
      temperature: 0,
      messages: [{ role: 'user' as const, content: `m ${randomUUID()}` }],
    };
    await openai.chat.completions.create(body);
    await expect
      .poll(async () =>
        sample(await scrape(h), 'lessllm_cache_lookups_total{cache="exact",outcome="miss",service="gateway"}'),
      )
      .toBe(1);
    await openai.chat.completions.create(body); // a hit
    const stream = await openai.chat.completions.create({ ...body, temperature: 0.5, stream: true });
    for await (const chunk of stream) void chunk;
    const failed = await openai.chat.completions
      .create({ model: 'claude-bad-request', messages: [{ role: 'user', content: 'x' }] })
      .catch((e: unknown) => e as Error);
    expect(failed).toBeInstanceOf(OpenAI.BadRequestError);

    const after = await scrape(h);
    expect(sample(after, ok) - sample(before, ok)).toBe(3);
    expect(sample(after, 'lessllm_cache_lookups_total{cache="exact",outcome="hit",service="gateway"}')).toBe(1);
    expect(
      sample(after, 'lessllm_cache_lookups_total{cache="exact",outcome="bypass",service="gateway"}'),
    ).toBeGreaterThanOrEqual(1);
    expect(
      sample(after, 'lessllm_ttft_seconds_count{provider="openai",model="gpt-4o-2024-08-06",service="gateway"}'),
    ).toBe(1);
    expect(
      sample(
        after,
        'lessllm_gateway_overhead_seconds_count{endpoint="chat.completions",cache="hit",service="gateway"}',
      ),
    ).toBe(1);
    expect(
      sample(
        after,
        'lessllm_gateway_overhead_seconds_count{endpoint="chat.completions",cache="none",service="gateway"}',
      ),
    ).toBeGreaterThanOrEqual(1);
    expect(
      sample(after, 'lessllm_upstream_errors_total{provider="anthropic",kind="upstream_status",service="gateway"}'),
    ).toBe(1);
    expect(
      sample(
        after,
        'lessllm_gateway_calls_total{endpoint="chat.completions",provider="anthropic",model="bad-request",status="error",service="gateway"}',
      ),
    ).toBe(1);
    expect(
      sample(
        after,
        'lessllm_http_requests_total{route="/v1/chat/completions",method="POST",status="200",service="gateway"}',
      ),
    ).toBeGreaterThanOrEqual(3);
    expect(
      sample(
        after,
        'lessllm_http_requests_total{route="/v1/chat/completions",method="POST",status="400",service="gateway"}',
      ),
    ).toBe(1);
    expect(after).toMatch(/^process_cpu_seconds_total\{service="gateway"\} /m);
    expect(after).not.toContain('team-a-key-123');
  });

  it('health: live, and ready with what is degraded', async () => {
    expect((await request(`${h.gateway.url}/health/live`)).statusCode).toBe(200);
    const ready = await request(`${h.gateway.url}/health/ready`);
    expect(await ready.body.json()).toEqual({
      status: 'ok',
      in_flight: 0,
      checks: { cache_store: { kind: 'memory', status: 'up' }, event_bus: { kind: 'in-process', status: 'up' } },
    });
  });
});

describe('gateway /metrics with the cache store down', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness((fakes) => standardConfig(fakes, { cache: { redis_url: 'redis://127.0.0.1:1' } as never }));
  });
  afterAll(() => h.stop());

  it('counts failed lookups as errors, and readiness stays up but says the cache is down', async () => {
    const openai = new OpenAI({ baseURL: `${h.gateway.url}/v1`, apiKey: 'team-a-key-123', maxRetries: 0 });
    await openai.chat.completions.create({
      model: 'gpt-4o',
      temperature: 0,
      messages: [{ role: 'user', content: 'x' }],
    });
    const text = await scrape(h);
    expect(sample(text, 'lessllm_cache_lookups_total{cache="exact",outcome="error",service="gateway"}')).toBe(1);
    const ready = await request(`${h.gateway.url}/health/ready`);
    expect(ready.statusCode).toBe(200);
    const body = (await ready.body.json()) as any;
    expect(body.status).toBe('degraded');
    expect(body.checks.cache_store).toEqual({ kind: 'redis', status: 'down (calls bypass the cache)' });
  });
});
