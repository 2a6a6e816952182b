import type { JetStreamManager, NatsConnection } from 'nats';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startNatsServer, type RunningNatsServer } from '../../../test/support/nats-server';
import { adminClient, deleteStreams } from '../test/helpers';
import {
  CALLS_DLQ_STREAM,
  CALLS_DLQ_SUBJECT,
  CALLS_STREAM,
  ensureCallsConsumer,
  ensureCallsStream,
  STREAM_DEFAULTS,
} from './jetstream-setup';

describe('ensureCallsStream', () => {
  let server: RunningNatsServer;
  let nc: NatsConnection;
  let jsm: JetStreamManager;

  beforeAll(async () => {
    server = await startNatsServer();
    ({ nc, jsm } = await adminClient(server.url));
  });
  afterAll(async () => {
    await nc?.close();
    await server?.stop();
  });
  beforeEach(() => deleteStreams(jsm));

  it('creates both streams once, then leaves them unchanged', async () => {
    const first = await ensureCallsStream(jsm);
    expect(first.calls.action).toBe('created');
    expect(first.deadLetter.action).toBe('created');
    const second = await ensureCallsStream(jsm);
    expect(second.calls).toEqual({ stream: CALLS_STREAM, action: 'unchanged', immutableMismatches: [] });
    expect(second.deadLetter.action).toBe('unchanged');

    const calls = (await jsm.streams.info(CALLS_STREAM)).config;
    expect(calls.subjects).toEqual(['lessllm.calls.>']);
    expect(calls.storage).toBe('file');
    expect(calls.duplicate_window).toBe(STREAM_DEFAULTS.duplicateWindowMs * 1e6);
    expect(calls.max_age).toBe(STREAM_DEFAULTS.maxAgeMs * 1e6);
    const dlq = (await jsm.streams.info(CALLS_DLQ_STREAM)).config;
    expect(dlq.subjects).toEqual([CALLS_DLQ_SUBJECT]);
  });

  it('concurrent callers (replicas starting together) all succeed', async () => {
    const results = await Promise.all([1, 2, 3, 4].map(() => ensureCallsStream(jsm)));
    // JetStream answers an identical add with success, so several may report 'created': what matters is no error.
    for (const r of results) expect(['created', 'unchanged']).toContain(r.calls.action);
    expect((await jsm.streams.info(CALLS_STREAM)).config.name).toBe(CALLS_STREAM);
  });

  it('updates limits that drifted, keeps the data', async () => {
    await ensureCallsStream(jsm);
    await nc.jetstream().publish('lessllm.calls.completed', new TextEncoder().encode('{}'));
    const updated = await ensureCallsStream(jsm, { maxAgeMs: 3_600_000 });
    expect(updated.calls.action).toBe('updated');
    const info = await jsm.streams.info(CALLS_STREAM);
    expect(info.config.max_age).toBe(3_600_000 * 1e6);
    expect(info.state.messages).toBe(1);
  });

  it('ensures the durable consumer idempotently', async () => {
    await ensureCallsStream(jsm);
    expect(await ensureCallsConsumer(jsm, { durable: 'analyzer' })).toBe('created');
    expect(await ensureCallsConsumer(jsm, { durable: 'analyzer' })).toBe('unchanged');
    // Options left undefined mean "default", not "unset" (no update on every start).
    expect(await ensureCallsConsumer(jsm, { durable: 'analyzer', maxAckPending: undefined })).toBe('unchanged');
    expect(await ensureCallsStream(jsm, { maxAgeMs: undefined })).toMatchObject({ calls: { action: 'unchanged' } });
    expect(await ensureCallsConsumer(jsm, { durable: 'analyzer', ackWaitMs: 5_000 })).toBe('updated');
    const info = await jsm.consumers.info(CALLS_STREAM, 'analyzer');
    expect(info.config.ack_policy).toBe('explicit');
    expect(info.config.ack_wait).toBe(5_000 * 1e6);
  });
});
