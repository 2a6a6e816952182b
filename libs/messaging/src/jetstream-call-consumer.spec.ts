import type { JetStreamClient, JetStreamManager, NatsConnection } from 'nats';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { freePort, startNatsServer, type RunningNatsServer } from '../../../test/support/nats-server';
import {
  adminClient,
  captureLogger,
  deleteStreams,
  makeEvent,
  readDeadLetters,
  sleep,
  streamCount,
  waitFor,
} from '../test/helpers';
import { encodeCallEvent } from './call-event-codec';
import {
  JetStreamCallConsumer,
  type CallBatchItem,
  type JetStreamCallConsumerOptions,
} from './jetstream-call-consumer';
import { CALLS_COMPLETED_SUBJECT, CALLS_STREAM, ensureCallsStream } from './jetstream-setup';

/** Short ack wait and nak delays so redelivery paths run in well under a second. */
const FAST = { maxWaitMs: 1_000, ackWaitMs: 2_000, nakDelayMs: 50, maxNakDelayMs: 200, reconnectTimeWaitMs: 100 };

async function publishEvents(js: JetStreamClient, from: number, to: number, prefix = 'req'): Promise<void> {
  const acks: Array<Promise<unknown>> = [];
  for (let i = from; i < to; i++) {
    const event = makeEvent(i, prefix);
    acks.push(js.publish(CALLS_COMPLETED_SUBJECT, encodeCallEvent(event), { msgID: event.request_id }));
    if (acks.length >= 500) await Promise.all(acks.splice(0));
  }
  await Promise.all(acks);
}

describe('JetStreamCallConsumer', () => {
  let server: RunningNatsServer;
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  let js: JetStreamClient;
  const consumers: JetStreamCallConsumer[] = [];

  async function consume(
    handler: JetStreamCallConsumerOptions['handler'],
    opts: Partial<JetStreamCallConsumerOptions> = {},
  ): Promise<JetStreamCallConsumer> {
    const c = await JetStreamCallConsumer.start({
      servers: server.url,
      logger: captureLogger().logger,
      handler,
      durable: 'analyzer',
      batchSize: 100,
      ...FAST,
      ...opts,
    });
    consumers.push(c);
    return c;
  }

  beforeAll(async () => {
    server = await startNatsServer();
    ({ nc, jsm } = await adminClient(server.url));
    js = nc.jetstream();
  });
  afterAll(async () => {
    await nc?.close();
    await server?.stop();
  });
  beforeEach(async () => {
    await deleteStreams(jsm);
    await ensureCallsStream(jsm);
  });
  afterEach(async () => {
    await Promise.all(consumers.splice(0).map((c) => c.stop()));
  });

  it('hands over batches one at a time and acks them when the handler resolves', async () => {
    await publishEvents(js, 0, 250);
    const batches: CallBatchItem[][] = [];
    let active = 0;
    let maxActive = 0;
    const c = await consume(
      async (items) => {
        maxActive = Math.max(maxActive, ++active);
        batches.push(items);
        await sleep(5);
        active--;
      },
      { batchSize: 40 },
    );
    await waitFor('all processed', () => c.stats().processed === 250);

    expect(maxActive).toBe(1); // backpressure: no fetch while the handler runs
    expect(Math.max(...batches.map((b) => b.length))).toBe(40);
    const seen = batches.flat().map((i) => i.event.request_id);
    expect(new Set(seen).size).toBe(250);
    expect(seen).toHaveLength(250);
    expect(batches.flat().every((i) => i.deliveryCount === 1)).toBe(true);

    await waitFor('acks reached the server', async () => {
      const info = await jsm.consumers.info(CALLS_STREAM, 'analyzer');
      return info.num_ack_pending === 0 && info.num_pending === 0;
    });
    expect((await jsm.consumers.info(CALLS_STREAM, 'analyzer')).num_redelivered).toBe(0);
    expect(c.stats()).toMatchObject({ processed: 250, redelivered: 0, deadLettered: 0, failedBatches: 0 });
  });

  it('redelivers a failed batch, then dead-letters only the poison event after maxDeliver', async () => {
    await publishEvents(js, 0, 3);
    const poison = makeEvent(1).request_id;
    const deliveriesOfPoison: number[] = [];
    const done = new Set<string>();
    const c = await consume(
      async (items) => {
        await Promise.resolve();
        const bad = items.find((i) => i.event.request_id === poison);
        if (bad) {
          deliveriesOfPoison.push(bad.deliveryCount);
          throw new Error('row rejected: poison');
        }
        for (const i of items) done.add(i.event.request_id);
      },
      { maxDeliver: 3 },
    );
    await waitFor('poison dead-lettered', () => c.stats().deadLettered === 1);

    // Deliveries 1 and 2 in the batch, 3 in the batch and then alone (isolated before dead-lettering).
    expect(deliveriesOfPoison).toEqual([1, 2, 3, 3]);
    expect([...done].sort()).toEqual([makeEvent(0).request_id, makeEvent(2).request_id]);
    const letters = await readDeadLetters(jsm);
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({
      reason: 'handler failed 3 times: row rejected: poison',
      delivery_count: 3,
      subject: CALLS_COMPLETED_SUBJECT,
      stream: CALLS_STREAM,
      consumer: 'analyzer',
    });
    expect(letters[0].event).toEqual(makeEvent(1));
    expect(c.stats()).toMatchObject({ processed: 2, deadLettered: 1, failedBatches: 3 });
    expect(c.stats().redelivered).toBeGreaterThanOrEqual(4);
    await waitFor('nothing left pending', async () => {
      const info = await jsm.consumers.info(CALLS_STREAM, 'analyzer');
      return info.num_ack_pending === 0 && info.num_pending === 0;
    });
  });

  it('dead-letters a whole batch when every attempt fails', async () => {
    await publishEvents(js, 0, 5);
    const c = await consume(() => Promise.reject(new Error('unexpected column')), { maxDeliver: 2 });
    await waitFor('all dead-lettered', () => c.stats().deadLettered === 5);
    const letters = await readDeadLetters(jsm);
    expect(letters.map((l) => l.event?.request_id).sort()).toEqual([0, 1, 2, 3, 4].map((i) => makeEvent(i).request_id));
    expect(new Set(letters.map((l) => l.reason))).toEqual(new Set(['handler failed 2 times: unexpected column']));
    expect(c.stats().processed).toBe(0);
  });

  it('keeps retrying retryable failures (store down) without dead-lettering, then processes', async () => {
    await publishEvents(js, 0, 10);
    let storeUp = false;
    const processed = new Set<string>();
    const c = await consume(
      async (items) => {
        await Promise.resolve();
        if (!storeUp) throw new Error('ECONNREFUSED clickhouse');
        for (const i of items) processed.add(i.event.request_id);
      },
      { maxDeliver: 2, isRetryable: (err) => err instanceof Error && err.message.startsWith('ECONNREFUSED') },
    );
    await waitFor('more failed attempts than maxDeliver', () => c.stats().failedBatches >= 3);
    expect(c.stats().deadLettered).toBe(0);
    storeUp = true;
    await waitFor('all processed', () => processed.size === 10);
    expect(await streamCount(jsm, 'LESSLLM_CALLS_DLQ')).toBe(0);
  });

  it('dead-letters malformed payloads at once with the reason, and processes the rest', async () => {
    const enc = new TextEncoder();
    await js.publish(CALLS_COMPLETED_SUBJECT, enc.encode('{not json'), { msgID: 'bad-1' });
    await js.publish(CALLS_COMPLETED_SUBJECT, enc.encode(JSON.stringify({ ...makeEvent(7), version: 99 })), {
      msgID: 'bad-2',
    });
    await js.publish(CALLS_COMPLETED_SUBJECT, enc.encode(JSON.stringify({ version: 1 })), { msgID: 'bad-3' });
    await publishEvents(js, 0, 1);
    const got: CallBatchItem[] = [];
    const c = await consume(async (items) => {
      await Promise.resolve();
      got.push(...items);
    });
    await waitFor('processed and dead-lettered', () => c.stats().processed === 1 && c.stats().deadLettered === 3);
    expect(got.map((i) => i.event.request_id)).toEqual([makeEvent(0).request_id]);
    const letters = await readDeadLetters(jsm);
    expect(letters.map((l) => l.reason)).toEqual([
      expect.stringMatching(/^invalid JSON: /),
      'unsupported CallEvent version 99',
      'missing request_id',
    ]);
    expect(letters[0]).toMatchObject({ raw: '{not json', delivery_count: 1, stream_seq: 1 });
    expect(c.stats().redelivered).toBe(0);
  });

  it('starts while NATS is down and consumes once it is up', async () => {
    const port = await freePort();
    const got = new Set<string>();
    const c = await consume(
      async (items) => {
        await Promise.resolve();
        for (const i of items) got.add(i.event.request_id);
      },
      { servers: `nats://127.0.0.1:${port}` },
    );
    expect(c.stats().connected).toBe(false);
    await sleep(300);
    const late = await startNatsServer({ port });
    try {
      const admin = await adminClient(late.url);
      await ensureCallsStream(admin.jsm);
      await publishEvents(admin.nc.jetstream(), 0, 30);
      await admin.nc.close();
      await waitFor('all processed', () => got.size === 30);
      expect(c.stats()).toMatchObject({ processed: 30, connected: true });
    } finally {
      await c.stop();
      await late.stop();
    }
  });

  it('two replicas on the same durable share the work, no event processed by both', async () => {
    await publishEvents(js, 0, 2_000);
    const seenBy = [new Set<string>(), new Set<string>()];
    const replicas = await Promise.all(
      [0, 1].map((r) =>
        consume(
          async (items) => {
            for (const i of items) seenBy[r].add(i.event.request_id);
            await sleep(2);
          },
          { batchSize: 50 },
        ),
      ),
    );
    await waitFor('all processed', () => replicas[0].stats().processed + replicas[1].stats().processed === 2_000);
    expect(seenBy[0].size).toBeGreaterThan(0);
    expect(seenBy[1].size).toBeGreaterThan(0);
    expect([...seenBy[0]].filter((id) => seenBy[1].has(id))).toEqual([]);
    expect(seenBy[0].size + seenBy[1].size).toBe(2_000);
    expect(replicas.map((r) => r.stats().redelivered)).toEqual([0, 0]);
  });

  it('survives a server restart mid-stream: every event is processed (duplicates allowed)', async () => {
    const own = await startNatsServer();
    const admin = await adminClient(own.url);
    try {
      await ensureCallsStream(admin.jsm);
      await publishEvents(admin.nc.jetstream(), 0, 3_000);
      const seen = new Set<string>();
      let calls = 0;
      const c = await consume(
        async (items) => {
          calls++;
          for (const i of items) seen.add(i.event.request_id);
          await sleep(3);
        },
        { servers: own.url },
      );
      await waitFor('some processed', () => c.stats().processed >= 500);
      await own.restart();
      // A fresh client: nats.js loses requests issued while it is still reconnecting (our bus waits for the link).
      const after = await adminClient(own.url);
      await publishEvents(after.nc.jetstream(), 3_000, 4_000).finally(() => after.nc.close());
      await waitFor('all seen', () => seen.size === 4_000, 30_000);
      expect(c.stats().connected).toBe(true);
      expect(c.stats().processed).toBeGreaterThanOrEqual(4_000);
      expect(calls).toBeGreaterThan(0);
      const { processed, redelivered } = c.stats();
      console.log(
        `restart: 4000 events, ${processed} handled (${processed - 4_000} duplicates), ${redelivered} redelivered`,
      );
    } finally {
      await admin.nc.close();
      await own.stop();
    }
  });

  it('stop() lets the running batch finish and ack, then stops fetching', async () => {
    await publishEvents(js, 0, 20);
    let release: () => void = () => undefined;
    const blocked = new Promise<void>((resolve) => (release = resolve));
    let calls = 0;
    const c = await consume(
      async () => {
        calls++;
        await blocked;
      },
      { batchSize: 10 },
    );
    await waitFor('handler running', () => calls === 1);
    const stopped = c.stop();
    await sleep(50);
    release();
    await stopped;
    expect(calls).toBe(1);
    expect(c.stats().processed).toBe(10);
    const info = await jsm.consumers.info(CALLS_STREAM, 'analyzer');
    expect(info.num_ack_pending).toBe(0);
    expect(info.num_pending).toBe(10);
  });

  it('throughput: 20k events with a no-op handler', async () => {
    await publishEvents(js, 0, 20_000, 'tp');
    const c = await consume(() => Promise.resolve(), { batchSize: 500 });
    const started = performance.now();
    await waitFor('all processed', () => c.stats().processed === 20_000, 60_000);
    const ms = performance.now() - started;
    console.log(`consumer: ${((20_000 / ms) * 1000).toFixed(0)} events/s (${ms.toFixed(0)} ms, batches of 500)`);
  });
});
