import { CALLS_STREAM, JetStreamCallEventBus } from '@lessllm/messaging';
import type { CallEvent } from '@lessllm/shared';
import { parseConfig } from '@lessllm/shared';
import Redis from 'ioredis';
import { connect as natsConnect, type JetStreamManager } from 'nats';
import pino from 'pino';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type RunningGateway } from '../../apps/gateway/src/bootstrap';
import { startHostileUpstream, type HostileUpstream } from '../fakes/hostile-upstream';
import { startNatsServer, type RunningNatsServer } from '../support/nats-server';
import { redisServerMissing, startPrivateRedis, type PrivateRedis } from '../support/redis-server';

// A gateway's life around its calls: a graceful drain that ends every call with a record, readiness that tells
// the truth about its dependencies, and call events that fit the bus whatever the size of the call.

let upstream: HostileUpstream;

beforeAll(async () => {
  upstream = await startHostileUpstream();
});
afterAll(() => upstream?.stop());

async function readStream<T>(jsm: JetStreamManager, stream: string): Promise<T[]> {
  const info = await jsm.streams.info(stream);
  const out: T[] = [];
  for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq++) {
    out.push((await jsm.streams.getMessage(stream, { seq })).json<T>());
  }
  return out;
}

const providers = () => ({ hostile: { type: 'openai', base_url: `${upstream.url}/v1`, api_key: 'sk-hostile' } });
const models = {
  endless: { provider: 'hostile', model: 'endless-stream' },
  stall: { provider: 'hostile', model: 'stall-after-headers' },
  small: { provider: 'hostile', model: 'small' },
};
const chat = (model: string, stream = false) =>
  JSON.stringify({ model, stream, messages: [{ role: 'user', content: 'hello' }] });
const post = (gateway: RunningGateway, body: string) =>
  request(`${gateway.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  });

describe('graceful drain on stop (SIGTERM)', () => {
  it('readiness turns 503 at once, calls in flight get drain_s, then are cut: told and recorded as aborted', async () => {
    const config = parseConfig(
      {
        server: { shutdown_delay_s: 1, drain_s: 1.5 },
        providers: providers(),
        models,
        timeouts: { idle_ms: 60_000 },
        retry: { max_retries: 0 },
      },
      {},
      true,
      'test',
    );
    const gateway = await startGateway({ config, port: 0, host: '127.0.0.1', logger: pino({ level: 'silent' }) });
    const events: CallEvent[] = [];
    gateway.bus.subscribe((event) => void events.push(event));

    const stream = await post(gateway, chat('endless', true));
    expect(stream.statusCode).toBe(200);
    let streamed = '';
    stream.body.setEncoding('utf8');
    stream.body.on('data', (chunk: string) => (streamed += chunk));
    const ended = new Promise<void>((resolve) => stream.body.once('end', resolve));
    const stalled = post(gateway, chat('stall'));
    await expect.poll(() => streamed.length).toBeGreaterThan(0);
    await new Promise((resolve) => setTimeout(resolve, 100)); // the stalled call reaches its upstream

    const t0 = performance.now();
    const stopping = gateway.stop();
    const ready = await request(`${gateway.url}/health/ready`);
    expect(ready.statusCode).toBe(503);
    expect(await ready.body.json()).toMatchObject({ status: 'draining', in_flight: 2 });
    // Still served during shutdown_delay_s (load balancers take a moment to notice).
    const late = await post(gateway, chat('small'));
    expect(late.statusCode).toBe(200);
    // ...telling the caller not to reuse the connection: the listener closes soon.
    expect(late.headers.connection).toBe('close');
    await late.body.text();
    const before = streamed.length;

    const stalledRes = await stalled;
    expect(stalledRes.statusCode).toBe(503);
    expect(await stalledRes.body.text()).toMatch(/shutting down/);
    await ended;
    await stopping;
    const took = performance.now() - t0;
    expect(took).toBeGreaterThan(2_400); // delay 1 s + drain 1.5 s: the stream really was cut, not finished
    expect(took).toBeLessThan(8_000);
    expect(streamed.length).toBeGreaterThan(before); // it kept flowing during the drain
    expect(streamed).toMatch(/shutting down/);
    const aborted = events.filter((e) => e.error_type === 'gateway_shutdown');
    expect(aborted.map((e) => [e.requested_model, e.status, e.is_streaming]).sort()).toEqual([
      ['endless', 'aborted', true],
      ['stall', 'aborted', false],
    ]);
    expect(events.find((e) => e.requested_model === 'small')).toMatchObject({ status: 'success' });
  }, 30_000);

  it('with nothing in flight, stop returns at once', async () => {
    const config = parseConfig({ server: { drain_s: 10 }, providers: providers(), models }, {}, true, 'test');
    const gateway = await startGateway({ config, port: 0, host: '127.0.0.1', logger: pino({ level: 'silent' }) });
    const t0 = performance.now();
    await gateway.stop();
    expect(performance.now() - t0).toBeLessThan(1_000);
  });
});

describe('server.max_stream_s', () => {
  it('ends a stream that runs too long with an error event in the caller format, recorded as an error', async () => {
    const config = parseConfig(
      { server: { max_stream_s: 1 }, providers: providers(), models, retry: { max_retries: 0 } },
      {},
      true,
      'test',
    );
    const gateway = await startGateway({ config, port: 0, host: '127.0.0.1', logger: pino({ level: 'silent' }) });
    const events: CallEvent[] = [];
    gateway.bus.subscribe((event) => void events.push(event));
    try {
      const t0 = performance.now();
      const res = await post(gateway, chat('endless', true));
      const text = await res.body.text();
      const took = performance.now() - t0;
      expect(took).toBeGreaterThan(900);
      expect(took).toBeLessThan(5_000);
      expect(text.split('\n\n').filter((f) => f.includes('tick')).length).toBeGreaterThan(5); // it was streaming
      expect(text).toMatch(/server\.max_stream_s=1/);
      await expect.poll(() => events.length).toBe(1);
      expect(events[0]).toMatchObject({ status: 'error', error_type: 'max_stream_duration', is_streaming: true });
    } finally {
      await gateway.stop();
    }
  });
});

const redisMissing = redisServerMissing();
if (redisMissing) process.stdout.write(`readiness with a blackholed Redis: skipped (${redisMissing})\n`);

describe.skipIf(redisMissing !== null)('readiness with a blackholed Redis', () => {
  let redis: PrivateRedis;
  let gateway: RunningGateway;

  beforeAll(async () => {
    redis = await startPrivateRedis();
    const config = parseConfig({ providers: providers(), models, cache: { redis_url: redis.url } }, {}, true, 'test');
    gateway = await startGateway({ config, port: 0, host: '127.0.0.1', logger: pino({ level: 'silent' }) });
  });
  afterAll(async () => {
    await gateway?.stop();
    await redis?.stop();
  });

  const readiness = async () => {
    const t0 = performance.now();
    const res = await request(`${gateway.url}/health/ready`);
    const body = (await res.body.json()) as { status: string; checks: { cache_store: { status: string } } };
    return { code: res.statusCode, body, ms: performance.now() - t0 };
  };

  it('says degraded within a second of Redis going silent, and up again when it answers', async () => {
    expect((await readiness()).body.status).toBe('ok');
    redis.freeze();
    try {
      // The fault is real: the socket accepts, nothing answers.
      const probe = new Redis(redis.url, { maxRetriesPerRequest: 0, commandTimeout: 300, lazyConnect: true });
      probe.on('error', () => undefined);
      await probe.connect().catch(() => undefined);
      await expect(probe.ping()).rejects.toThrow();
      probe.disconnect();
      const frozen = await readiness();
      expect(frozen.ms).toBeLessThan(1_000);
      expect(frozen.code).toBe(200);
      expect(frozen.body.status).toBe('degraded');
      expect(frozen.body.checks.cache_store.status).toMatch(/^down/);
    } finally {
      redis.thaw();
    }
    await expect.poll(async () => (await readiness()).body.status, { timeout: 5_000 }).toBe('ok');
  });
});

describe('call events on a JetStream bus whose server keeps the default 1 MB max_payload', () => {
  let nats: RunningNatsServer;
  let bus: JetStreamCallEventBus;
  let gateway: RunningGateway;

  beforeAll(async () => {
    nats = await startNatsServer();
    bus = await JetStreamCallEventBus.connect({ servers: nats.url, logger: pino({ level: 'silent' }) });
    const config = parseConfig({ providers: providers(), models }, {}, true, 'test');
    gateway = await startGateway({ config, bus, port: 0, host: '127.0.0.1', logger: pino({ level: 'silent' }) });
  });
  afterAll(async () => {
    await gateway?.stop();
    await bus?.close();
    await nats?.stop();
  });

  it('a 2 MB prompt is answered and recorded (its body cut to fit), and the calls behind it are not held up', async () => {
    const prompt = 'p'.repeat(2 * 1024 * 1024);
    expect(prompt.length).toBeGreaterThan(1024 * 1024); // more than the server takes in one message
    const big = await post(gateway, JSON.stringify({ model: 'small', messages: [{ role: 'user', content: prompt }] }));
    expect(big.statusCode).toBe(200);
    await big.body.text();
    for (let i = 0; i < 20; i++) {
      const res = await post(gateway, chat('small'));
      expect(res.statusCode).toBe(200);
      await res.body.text();
    }
    await expect.poll(() => bus.stats().published, { timeout: 10_000 }).toBe(21);
    expect(bus.stats()).toMatchObject({ buffered: 0, deadLettered: 0 });
    const nc = await natsConnect({ servers: nats.url });
    try {
      const stored = await readStream<CallEvent>(await nc.jetstreamManager(), CALLS_STREAM);
      expect(stored).toHaveLength(21);
      const first = stored[0];
      expect(first.truncated?.request).toBeGreaterThan(2 * 1024 * 1024);
      const content = (first.request as { messages: Array<{ content: string }> }).messages[0].content;
      expect(content).toMatch(/^p+…\[\+\d+ chars\]$/);
    } finally {
      await nc.close();
    }
  }, 30_000);
});
