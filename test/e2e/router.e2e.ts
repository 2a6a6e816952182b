import Anthropic from '@anthropic-ai/sdk';
import { parseConfig } from '@lessllm/shared';
import OpenAI from 'openai';
import pino from 'pino';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RoutePlannerService } from '../../apps/gateway/src/routing/route-planner.service';
import { startRouter, type RunningRouter } from '../../apps/router/src/start-router';
import { standardConfig, startHarness, type FakeAnthropic, type FakeOpenAI, type Harness } from '../support/harness';
import { startNatsServer, type RunningNatsServer } from '../support/nats-server';

// Tier requests through the official SDKs: the features classifier in-process, the router service over NATS
// (and the gateway's fallback to the default tier when it is down or slow), forced tiers, and the cascade.

const SIMPLE = 'Hi! How are you today?';
const HARD =
  'Prove step by step that the sum of the first n odd numbers is n^2, then write a Python function ' +
  '`def check(n: int) -> bool` that verifies it for every n up to 1000 and explain its time complexity.';

type Fakes = { openai: FakeOpenAI; anthropic: FakeAnthropic };

function routedConfig(fakes: Fakes, router: Record<string, unknown> = {}) {
  const config = standardConfig(fakes);
  (config.models as Record<string, unknown>).mini = { provider: 'openai', model: 'gpt-4o-mini' };
  return {
    ...config,
    router: {
      classifier: 'features',
      default_tier: 'small',
      timeout_ms: 50,
      tiers: { small: { model: 'mini' }, large: { model: 'gpt-4o' } },
      ...router,
    },
  };
}

const openaiFor = (h: Harness) =>
  new OpenAI({ baseURL: `${h.gateway.url}/v1`, apiKey: 'team-a-key-123', maxRetries: 0 });

async function ask(h: Harness, content: string, headers: Record<string, string> = {}, extra: object = {}) {
  const { data, response } = await openaiFor(h)
    .chat.completions.create({ model: 'auto', messages: [{ role: 'user', content }], ...extra }, { headers })
    .withResponse();
  const event = await h.eventFor(response.headers.get('x-request-id')!);
  return { data, model: response.headers.get('x-lessllm-model'), tier: response.headers.get('x-lessllm-tier'), event };
}

describe('router in-process (features classifier)', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness((fakes) => routedConfig(fakes));
  });
  afterAll(() => h.stop());

  it('model "auto": chit-chat goes to the small tier, a proof + code request to the large one', async () => {
    const simple = await ask(h, SIMPLE);
    expect(simple).toMatchObject({ model: 'gpt-4o-mini', tier: 'small' });
    expect(simple.event.requested_model).toBe('auto');
    expect(simple.event.route).toMatchObject({
      requested: 'auto',
      tier: 'small',
      model: 'mini',
      classifier: 'features',
      source: 'router',
    });
    expect(simple.event.route!.probability).toBeLessThan(0.5);

    const hard = await ask(h, HARD);
    expect(hard).toMatchObject({ model: 'gpt-4o-2024-08-06', tier: 'large' });
    expect(hard.event.route!.probability).toBeGreaterThanOrEqual(0.5);
    expect(hard.event.route!.reason).toMatch(/^features p=[01]\.\d\d strong: /);
    expect(h.openai.requests.at(-1)!.body).toMatchObject({ model: 'gpt-4o-2024-08-06' });
  });

  it('Anthropic callers route the same way', async () => {
    const anthropic = new Anthropic({ baseURL: h.gateway.url, apiKey: 'team-a-key-123', maxRetries: 0 });
    const { response } = await anthropic.messages
      .create({ model: 'auto', max_tokens: 200, messages: [{ role: 'user', content: HARD }] })
      .withResponse();
    expect(response.headers.get('x-lessllm-tier')).toBe('large');
    expect(response.headers.get('x-lessllm-model')).toBe('gpt-4o-2024-08-06');
  });

  it('x-lessllm-tier and a tier name as model force the tier; x-lessllm-route: off uses the default tier', async () => {
    const forced = await ask(h, HARD, { 'x-lessllm-tier': 'small' });
    expect(forced).toMatchObject({ tier: 'small', model: 'gpt-4o-mini' });
    expect(forced.event.route).toMatchObject({ source: 'forced', classifier: 'none', requested: 'tier:small' });

    const { response } = await openaiFor(h)
      .chat.completions.create({ model: 'large', messages: [{ role: 'user', content: SIMPLE }] })
      .withResponse();
    expect(response.headers.get('x-lessllm-model')).toBe('gpt-4o-2024-08-06');

    const off = await ask(h, HARD, { 'x-lessllm-route': 'off' });
    expect(off).toMatchObject({ tier: 'small' });
    expect(off.event.route).toMatchObject({
      source: 'default',
      reason: expect.stringContaining('x-lessllm-route: off'),
    });

    const named = await openaiFor(h)
      .chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: SIMPLE }] })
      .withResponse();
    expect(named.response.headers.get('x-lessllm-tier')).toBeNull();
    expect((await h.eventFor(named.response.headers.get('x-request-id')!)).route).toBeUndefined();
  });

  it('bad tier headers are a 400 naming the header', async () => {
    const client = openaiFor(h);
    const unknown = await client.chat.completions
      .create(
        { model: 'auto', messages: [{ role: 'user', content: SIMPLE }] },
        { headers: { 'x-lessllm-tier': 'huge' } },
      )
      .catch((e: unknown) => e as InstanceType<typeof OpenAI.APIError>);
    expect(unknown).toBeInstanceOf(OpenAI.BadRequestError);
    expect((unknown as InstanceType<typeof OpenAI.APIError>).message).toContain('x-lessllm-tier');
    expect((unknown as InstanceType<typeof OpenAI.APIError>).message).toContain('small, large');
    const route = await client.chat.completions
      .create(
        { model: 'auto', messages: [{ role: 'user', content: SIMPLE }] },
        { headers: { 'x-lessllm-route': 'maybe' } },
      )
      .catch((e: unknown) => e as InstanceType<typeof OpenAI.APIError>);
    expect((route as InstanceType<typeof OpenAI.APIError>).status).toBe(400);
    expect((route as InstanceType<typeof OpenAI.APIError>).message).toContain('x-lessllm-route');
  });
});

describe('model "auto" without a router', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness((fakes) => standardConfig(fakes));
  });
  afterAll(() => h.stop());

  it('is a 400 naming model, not a 404 or a crash', async () => {
    const err = await openaiFor(h)
      .chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: SIMPLE }] })
      .catch((e: unknown) => e as InstanceType<typeof OpenAI.APIError>);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as InstanceType<typeof OpenAI.APIError>).message).toContain('Routing is not configured');
  });
});

describe('router service over NATS', () => {
  let nats: RunningNatsServer;
  let router: RunningRouter | null = null;
  let h: Harness;

  beforeAll(async () => {
    nats = await startNatsServer();
    h = await startHarness((fakes) => {
      const raw = routedConfig(fakes, { nats_url: nats.url, timeout_ms: 200 });
      return raw;
    });
    router = await startRouter({
      config: parseConfig(routedConfig({ openai: h.openai, anthropic: h.anthropic }), {}, true, 'test'),
      natsUrl: nats.url,
      port: 0,
      host: '127.0.0.1',
      logger: pino({ level: 'silent' }),
    });
  }, 30_000);
  afterAll(async () => {
    await h?.stop();
    await router?.stop();
    await nats?.stop();
  });

  it('decisions come from the router service (lessllm.router.decide)', async () => {
    await expect.poll(async () => (await ask(h, HARD)).event.route?.source, { timeout: 5000 }).toBe('router');
    const hard = await ask(h, HARD);
    expect(hard).toMatchObject({ tier: 'large', model: 'gpt-4o-2024-08-06' });
    expect(hard.event.route).toMatchObject({ classifier: 'features', source: 'router' });
    const simple = await ask(h, SIMPLE);
    expect(simple).toMatchObject({ tier: 'small' });
    expect(h.gateway.app.get(RoutePlannerService).stats.decisions).toBeGreaterThanOrEqual(2);

    // The service's own HTTP side: health and Prometheus metrics.
    expect((await request(`${router!.url}/health/ready`)).statusCode).toBe(200);
    const metrics = await (await request(`${router!.url}/metrics`)).body.text();
    expect(metrics).toMatch(
      /lessllm_router_service_decisions_total\{tier="large",classifier="features",service="router"\} [1-9]/,
    );
    expect(metrics).toMatch(/lessllm_router_service_decision_seconds_count\{service="router"\} [1-9]/);
    const gateway = await (await request(`${h.gateway.url}/metrics`)).body.text();
    expect(gateway).toMatch(/lessllm_router_decisions_total\{tier="large",source="router",service="gateway"\} [1-9]/);
  });

  it('router down: calls still succeed at once on the default tier, saying why', async () => {
    await router!.stop();
    router = null;
    const started = performance.now();
    const res = await ask(h, HARD);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(res.data.choices[0].message.content).toContain('echo:');
    expect(res).toMatchObject({ tier: 'small', model: 'gpt-4o-mini' });
    expect(res.event.route).toMatchObject({
      source: 'default',
      reason: expect.stringMatching(/^router (unavailable|timeout)/),
    });
    expect(h.logs.some((l) => l.includes('router: no decision; using router.default_tier'))).toBe(true);
    const gateway = await (await request(`${h.gateway.url}/metrics`)).body.text();
    expect(gateway).toMatch(/lessllm_router_fallbacks_total\{reason="(error|timeout)",service="gateway"\} [1-9]/);
  });
});

describe('router that is too slow', () => {
  let h: Harness;

  beforeAll(async () => {
    // The llm classifier rating through a provider that takes seconds for its first byte: the gateway must not wait.
    h = await startHarness((fakes) =>
      routedConfig(fakes, {
        classifier: 'llm',
        timeout_ms: 20,
        llm: { base_url: `${fakes.openai.url}/v1`, api_key: 'sk-fake-openai', model: 'slow-first-byte' },
      }),
    );
  });
  afterAll(() => h.stop());

  it('times out after router.timeout_ms and serves the default tier', async () => {
    const started = performance.now();
    const res = await ask(h, HARD);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(res).toMatchObject({ tier: 'small' });
    expect(res.event.route).toMatchObject({ source: 'default', reason: 'router timeout (20 ms)' });
    expect(res.event.route!.decision_ms).toBeGreaterThanOrEqual(19);
    expect(h.gateway.app.get(RoutePlannerService).stats.timeouts).toBe(1);
  });
});

describe('cascade', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness((fakes) => routedConfig(fakes, { classifier: 'cascade' }));
  });
  afterAll(() => h.stop());

  it('a good cheap answer is served from the small tier with one upstream call', async () => {
    const before = h.openai.requests.length;
    const res = await ask(h, HARD);
    expect(res).toMatchObject({ tier: 'small', model: 'gpt-4o-mini' });
    expect(res.event.route).toMatchObject({ classifier: 'cascade', source: 'router' });
    expect(res.event.route!.escalated_from).toBeUndefined();
    expect(h.openai.requests.length).toBe(before + 1);
  });

  it('a cheap answer cut by the length limit is escalated; both calls are recorded, the caller sees one', async () => {
    const before = h.openai.requests.length;
    const res = await ask(h, HARD, {}, { max_tokens: 2 });
    expect(res).toMatchObject({ tier: 'large', model: 'gpt-4o-2024-08-06' });
    expect(h.openai.requests.slice(before).map((r) => (r.body as { model: string }).model)).toEqual([
      'gpt-4o-mini',
      'gpt-4o-2024-08-06',
    ]);
    expect(res.event.route).toMatchObject({ tier: 'large', escalated_from: 'small' });
    expect(res.event.route!.reason).toContain('cut_off');
    const cheap = await h.eventFor(`${res.event.request_id}.cascade`);
    expect(cheap).toMatchObject({ model: 'gpt-4o-mini', status: 'success' });
    expect(cheap.route).toMatchObject({ tier: 'small', classifier: 'cascade' });
    expect(cheap.usage!.completion_tokens).toBeGreaterThan(0);
  });

  it('a streaming caller gets the checked cheap answer replayed as a stream, with usage', async () => {
    const { data: stream, response } = await openaiFor(h)
      .chat.completions.create({
        model: 'auto',
        stream: true,
        stream_options: { include_usage: true },
        messages: [{ role: 'user', content: 'Tell me a fun fact about otters.' }],
      })
      .withResponse();
    let text = '';
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta?.content ?? '';
      usage = chunk.usage ?? usage;
    }
    expect(response.headers.get('x-lessllm-tier')).toBe('small');
    expect(text).toContain('echo: Tell me a fun fact about otters.');
    expect(usage!.completion_tokens).toBeGreaterThan(0);
  });
});
