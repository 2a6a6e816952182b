import type { CallEvent } from '@lessllm/shared';
import type { JetStreamManager, NatsConnection } from 'nats';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { freePort, startNatsServer, type RunningNatsServer } from '../../../test/support/nats-server';
import {
  adminClient,
  captureLogger,
  deleteStreams,
  makeEvent,
  readStream,
  streamCount,
  waitFor,
} from '../test/helpers';
import { encodeCallEvent } from './call-event-codec';
import type { DeadLetter } from './dead-letter';
import { JetStreamCallEventBus, type JetStreamCallEventBusOptions } from './jetstream-call-event-bus';
import { CALLS_DLQ_STREAM, CALLS_STREAM, callsStreamConfig, deadLetterStreamConfig } from './jetstream-setup';

/** Short timeouts so outages are noticed and retried quickly in tests. */
const FAST: Partial<JetStreamCallEventBusOptions> = {
  publishTimeoutMs: 1_000,
  retryBaseMs: 50,
  retryMaxMs: 500,
  reconnectTimeWaitMs: 100,
};

const ids = (events: CallEvent[]): string[] => events.map((e) => e.request_id);
const range = (from: number, to: number, prefix = 'req'): string[] =>
  Array.from({ length: to - from }, (_, i) => makeEvent(from + i, prefix).request_id);

describe('JetStreamCallEventBus', () => {
  let server: RunningNatsServer;
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  const buses: JetStreamCallEventBus[] = [];
  const servers: RunningNatsServer[] = [];

  async function bus(opts: Partial<JetStreamCallEventBusOptions> = {}): Promise<JetStreamCallEventBus> {
    const b = await JetStreamCallEventBus.connect({
      servers: server.url,
      logger: captureLogger().logger,
      ...FAST,
      ...opts,
    });
    buses.push(b);
    return b;
  }

  beforeAll(async () => {
    server = await startNatsServer();
    ({ nc, jsm } = await adminClient(server.url));
  });
  afterAll(async () => {
    await nc?.close();
    await server?.stop();
  });
  beforeEach(() => deleteStreams(jsm));
  afterEach(async () => {
    await Promise.all(buses.splice(0).map((b) => b.close()));
    await Promise.all(servers.splice(0).map((s) => s.stop()));
  });

  it('stores one message per request_id (JetStream de-dup on msgID)', async () => {
    const b = await bus();
    b.publish(makeEvent(1));
    b.publish(makeEvent(1));
    await waitFor('both acked', () => b.stats().published === 2);
    b.publish(makeEvent(1)); // a retry after the first was stored
    b.publish(makeEvent(2));
    await waitFor('all acked', () => b.stats().published === 4 && b.stats().buffered === 0);
    expect(ids(await readStream<CallEvent>(jsm, CALLS_STREAM))).toEqual(range(1, 3));
    const stored = await jsm.streams.getMessage(CALLS_STREAM, { seq: 1 });
    expect(stored.header.get('Nats-Msg-Id')).toBe('req-000001');
  });

  it('buffers while NATS is down at start, then delivers everything once, in order', async () => {
    const port = await freePort();
    const { logger } = captureLogger();
    const b = await JetStreamCallEventBus.connect({ servers: `nats://127.0.0.1:${port}`, logger, ...FAST });
    buses.push(b);
    expect(b.stats().connected).toBe(false);

    const started = performance.now();
    for (let i = 0; i < 500; i++) b.publish(makeEvent(i));
    const elapsedMs = performance.now() - started;
    expect(elapsedMs).toBeLessThan(250); // generous: publish is a push onto a queue, no I/O
    expect(b.stats()).toEqual({
      buffered: 500,
      published: 0,
      dropped: 0,
      shrunk: 0,
      deadLettered: 0,
      connected: false,
      stalled: false,
    });

    const late = await startNatsServer({ port });
    servers.push(late);
    await waitFor('buffer drained', () => b.stats().buffered === 0);
    const admin = await adminClient(late.url);
    try {
      expect(ids(await readStream<CallEvent>(admin.jsm, CALLS_STREAM))).toEqual(range(0, 500));
      expect(b.stats()).toMatchObject({ buffered: 0, published: 500, dropped: 0, connected: true, stalled: false });
    } finally {
      await admin.nc.close();
    }
  });

  it('survives server restarts mid-stream: nothing lost, nothing twice, order kept', async () => {
    const own = await startNatsServer();
    servers.push(own);
    const b = await bus({ servers: own.url });
    for (let i = 0; i < 3_000; i++) b.publish(makeEvent(i));
    await waitFor('some published', () => b.stats().published > 0);
    await own.kill(); // SIGKILL while batches are in flight
    for (let i = 3_000; i < 4_000; i++) b.publish(makeEvent(i));
    expect(b.stats().buffered).toBeGreaterThan(1_000);
    await own.start();
    await waitFor('some more published', () => b.stats().published > 3_000);
    await own.restart(); // and once more, kill + immediate start
    for (let i = 4_000; i < 5_000; i++) b.publish(makeEvent(i));
    await waitFor('buffer drained', () => b.stats().buffered === 0, 30_000);

    const admin = await adminClient(own.url);
    try {
      expect(ids(await readStream<CallEvent>(admin.jsm, CALLS_STREAM))).toEqual(range(0, 5_000));
    } finally {
      await admin.nc.close();
    }
    expect(b.stats().dropped).toBe(0);
  });

  it('when the buffer is full, drops the oldest, counts them and warns at most once per interval', async () => {
    const port = await freePort();
    const { logger, lines } = captureLogger();
    const b = await JetStreamCallEventBus.connect({
      servers: `nats://127.0.0.1:${port}`,
      logger,
      bufferLimit: 100,
      dropLogIntervalMs: 300,
      ...FAST,
    });
    buses.push(b);
    for (let i = 0; i < 250; i++) b.publish(makeEvent(i));
    expect(b.stats()).toMatchObject({ buffered: 100, dropped: 150, published: 0 });

    const warnings = (): typeof lines => lines.filter((l) => l.msg.startsWith('call event buffer full'));
    expect(warnings()).toHaveLength(1); // the first drop, at once
    await waitFor('trailing summary', () => warnings().length === 2);
    expect(warnings()[1]).toMatchObject({ level: 'warn', dropped: 149, dropped_total: 150, buffer_limit: 100 });

    const late = await startNatsServer({ port });
    servers.push(late);
    await waitFor('buffer drained', () => b.stats().buffered === 0);
    const admin = await adminClient(late.url);
    try {
      expect(ids(await readStream<CallEvent>(admin.jsm, CALLS_STREAM))).toEqual(range(150, 250));
    } finally {
      await admin.nc.close();
    }
  });

  it('publish never throws; an event that cannot be serialised is published without its bodies', async () => {
    const b = await bus();
    const bad = { ...makeEvent(1), usage_raw: { big: 1n } } as unknown as CallEvent;
    expect(() => JSON.stringify(bad)).toThrow(); // the fault is real
    expect(() => b.publish(bad)).not.toThrow();
    b.publish(makeEvent(2));
    await waitFor('both published', () => b.stats().published === 2 && b.stats().buffered === 0);
    expect(b.stats()).toMatchObject({ dropped: 0, shrunk: 1 });
    expect(await streamCount(jsm, CALLS_STREAM)).toBe(2);
  });

  it("an event larger than the server's max_payload goes out with its bodies cut; the ones behind it are not held up", async () => {
    const small = await startNatsServer({ maxPayload: 64 * 1024 });
    servers.push(small);
    const b = await JetStreamCallEventBus.connect({ servers: small.url, logger: captureLogger().logger, ...FAST });
    buses.push(b);
    const big = { ...makeEvent(0, 'big'), request: { messages: [{ role: 'user', content: 'p'.repeat(300_000) }] } };
    expect(encodeCallEvent(big).length).toBeGreaterThan(64 * 1024); // the fault is real
    b.publish(big);
    for (let i = 1; i <= 5; i++) b.publish(makeEvent(i));
    await waitFor('all six published', () => b.stats().published === 6);
    expect(b.stats()).toMatchObject({ shrunk: 1, deadLettered: 0, dropped: 0 });
    const admin = await adminClient(small.url);
    try {
      const stored = await readStream<CallEvent>(admin.jsm, CALLS_STREAM);
      expect(stored.map((e) => e.request_id)).toEqual(['big-000000', ...range(1, 6)]);
      expect(stored[0].truncated!.request).toBeGreaterThan(300_000);
      const kept = (stored[0].request as { messages: Array<{ role: string; content: string }> }).messages[0];
      expect(kept.role).toBe('user');
      expect(kept.content).toMatch(/^p+…\[\+\d+ chars\]$/);
    } finally {
      await admin.nc.close();
    }
  });

  it('an event the stream refuses for good is dead-lettered with its reason, and the rest flow on', async () => {
    await jsm.streams.add({ ...callsStreamConfig(), max_msg_size: 4096 });
    await jsm.streams.add(deadLetterStreamConfig());
    const b = await bus({ stream: false });
    const big = { ...makeEvent(0, 'big'), request: { text: 'q'.repeat(20_000) } };
    b.publish(big);
    b.publish(makeEvent(1));
    await waitFor('one published, one dead-lettered', () => b.stats().published === 1 && b.stats().deadLettered === 1);
    expect(ids(await readStream<CallEvent>(jsm, CALLS_STREAM))).toEqual(range(1, 2));
    const [letter] = await readStream<DeadLetter>(jsm, CALLS_DLQ_STREAM);
    expect(letter.reason).toMatch(/not published: .*maximum/i);
    expect(letter.event!.request_id).toBe('big-000000');
  });

  it('is publish-only: subscribe() says where to consume', async () => {
    const b = await bus();
    expect(() => b.subscribe()).toThrow(/JetStreamCallConsumer/);
  });

  it('close() flushes what is buffered', async () => {
    const b = await bus();
    for (let i = 0; i < 300; i++) b.publish(makeEvent(i));
    await b.close();
    expect(b.stats()).toMatchObject({ buffered: 0, published: 300 });
    expect(await streamCount(jsm, CALLS_STREAM)).toBe(300);
  });

  it('close() gives up after its timeout when NATS is down, and says how many were lost', async () => {
    const port = await freePort();
    const { logger, lines } = captureLogger();
    const b = await JetStreamCallEventBus.connect({
      servers: `nats://127.0.0.1:${port}`,
      logger,
      closeTimeoutMs: 200,
      ...FAST,
    });
    b.publish(makeEvent(1));
    const started = Date.now();
    await b.close();
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(lines.find((l) => l.msg === 'call event bus closed with events not published')).toMatchObject({ lost: 1 });
  });

  it('throughput: 20k events into a local server', async () => {
    const b = await bus({ bufferLimit: 50_000 });
    await waitFor('connected', () => b.stats().connected);
    const n = 20_000;
    const events = Array.from({ length: n }, (_, i) => makeEvent(i, 'tp'));
    const started = performance.now();
    for (const e of events) b.publish(e);
    const publishMs = performance.now() - started;
    await waitFor('all acked', () => b.stats().buffered === 0, 60_000);
    const totalMs = performance.now() - started;
    console.log(
      `publish(): ${((n / publishMs) * 1000).toFixed(0)} calls/s (${publishMs.toFixed(1)} ms for ${n}); ` +
        `acked by JetStream: ${((n / totalMs) * 1000).toFixed(0)} events/s (${totalMs.toFixed(0)} ms)`,
    );
    expect(await streamCount(jsm, CALLS_STREAM)).toBe(n);
  });
});
