import { Subjects } from '@lessllm/shared';
import {
  AckPolicy,
  DeliverPolicy,
  DiscardPolicy,
  nanos,
  NatsError,
  ReplayPolicy,
  RetentionPolicy,
  StorageType,
  type ConsumerConfig,
  type JetStreamManager,
  type StreamConfig,
} from 'nats';

export const CALLS_STREAM = 'LESSLLM_CALLS';
export const CALLS_STREAM_SUBJECTS = ['lessllm.calls.>'];
export const CALLS_COMPLETED_SUBJECT = Subjects['lessllm.calls.completed'];
export const CALLS_DLQ_STREAM = 'LESSLLM_CALLS_DLQ';
export const CALLS_DLQ_SUBJECT = 'lessllm.deadletter.calls';

export interface CallsStreamOptions {
  /** How long call events stay in the stream (replay window). Default 7 days. */
  maxAgeMs?: number;
  /** JetStream de-duplication window for msgID (= request_id). Default 2 minutes. */
  duplicateWindowMs?: number;
  /** -1 = unlimited (default); beyond it the oldest messages are discarded. */
  maxBytes?: number;
  maxMsgs?: number;
  /** Stream replicas in a clustered NATS. Default 1. */
  replicas?: number;
  /** How long dead letters are kept. Default 30 days. */
  deadLetterMaxAgeMs?: number;
}

export const STREAM_DEFAULTS: Required<CallsStreamOptions> = {
  maxAgeMs: 7 * 24 * 3600_000,
  duplicateWindowMs: 2 * 60_000,
  maxBytes: -1,
  maxMsgs: -1,
  replicas: 1,
  deadLetterMaxAgeMs: 30 * 24 * 3600_000,
};

export type EnsureAction = 'created' | 'updated' | 'unchanged';

export interface EnsureStreamResult {
  stream: string;
  action: EnsureAction;
  /** Settings that differ but cannot be changed in place (storage, retention): fix by recreating the stream. */
  immutableMismatches: string[];
}

/** JetStream API error codes (nats-server `server/errors.json`). */
const ERR_STREAM_NOT_FOUND = 10059;
const ERR_STREAM_NAME_IN_USE = 10058;
const ERR_CONSUMER_NOT_FOUND = 10014;
const ERR_CONSUMER_EXISTS = [10013, 10105, 10148];

function apiErrorCode(err: unknown): number | undefined {
  return err instanceof NatsError ? err.api_error?.err_code : undefined;
}

const IMMUTABLE_STREAM_FIELDS = ['storage', 'retention'] as const;

type ManagedStreamConfig = Pick<
  StreamConfig,
  | 'name'
  | 'description'
  | 'subjects'
  | 'storage'
  | 'retention'
  | 'discard'
  | 'max_age'
  | 'duplicate_window'
  | 'max_bytes'
  | 'max_msgs'
  | 'num_replicas'
>;

/** Defaults overridden only by the options actually given: `{ maxAgeMs: undefined }` keeps the default. */
function withDefaults<D extends object>(defaults: D, opts: Partial<Record<keyof D, unknown>>): D {
  const merged = { ...defaults };
  for (const [key, value] of Object.entries(opts)) {
    if (value !== undefined && key in defaults) (merged as Record<string, unknown>)[key] = value;
  }
  return merged;
}

function sameValue(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) && Array.isArray(b)) {
    const sorted = (list: unknown[]): string => JSON.stringify(list.map(String).sort());
    return sorted(a as unknown[]) === sorted(b as unknown[]);
  }
  return a === b;
}

/** Creates the stream, or updates the settings we manage when they drifted; safe to run from every replica. */
async function ensureStream(jsm: JetStreamManager, desired: ManagedStreamConfig): Promise<EnsureStreamResult> {
  const result = (action: EnsureAction, immutableMismatches: string[] = []): EnsureStreamResult => ({
    stream: desired.name,
    action,
    immutableMismatches,
  });
  let current: StreamConfig;
  try {
    current = (await jsm.streams.info(desired.name)).config;
  } catch (err) {
    if (apiErrorCode(err) !== ERR_STREAM_NOT_FOUND) throw err;
    try {
      await jsm.streams.add(desired);
      return result('created');
    } catch (addErr) {
      // Another replica created it between our info and add: fall through to the comparison.
      if (apiErrorCode(addErr) !== ERR_STREAM_NAME_IN_USE) throw addErr;
      current = (await jsm.streams.info(desired.name)).config;
    }
  }
  const immutable = IMMUTABLE_STREAM_FIELDS.filter((key) => !sameValue(current[key], desired[key]));
  const mutable = (Object.keys(desired) as Array<keyof ManagedStreamConfig>).filter(
    (key) => !(IMMUTABLE_STREAM_FIELDS as readonly string[]).includes(key) && !sameValue(current[key], desired[key]),
  );
  if (mutable.length === 0) return result('unchanged', immutable);
  const { storage: _storage, retention: _retention, name: _name, ...changes } = desired;
  await jsm.streams.update(desired.name, { ...current, ...changes });
  return result('updated', immutable);
}

export function callsStreamConfig(opts: CallsStreamOptions = {}): ManagedStreamConfig {
  const o = withDefaults(STREAM_DEFAULTS, opts);
  return {
    name: CALLS_STREAM,
    description: 'LessLLM call events (CallEvent JSON); msgID = request_id',
    subjects: CALLS_STREAM_SUBJECTS,
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    discard: DiscardPolicy.Old,
    max_age: nanos(o.maxAgeMs),
    // The server rejects a duplicate window longer than max_age.
    duplicate_window: nanos(Math.min(o.duplicateWindowMs, o.maxAgeMs)),
    max_bytes: o.maxBytes,
    max_msgs: o.maxMsgs,
    num_replicas: o.replicas,
  };
}

export function deadLetterStreamConfig(opts: CallsStreamOptions = {}): ManagedStreamConfig {
  const o = withDefaults(STREAM_DEFAULTS, opts);
  return {
    name: CALLS_DLQ_STREAM,
    description: 'LessLLM call events the analyzer could not process: { reason, event | raw, ... }',
    subjects: [CALLS_DLQ_SUBJECT],
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    discard: DiscardPolicy.Old,
    max_age: nanos(o.deadLetterMaxAgeMs),
    duplicate_window: nanos(Math.min(o.duplicateWindowMs, o.deadLetterMaxAgeMs)),
    max_bytes: -1,
    max_msgs: -1,
    num_replicas: o.replicas,
  };
}

/** Ensures `LESSLLM_CALLS` (lessllm.calls.>) and its dead-letter stream `LESSLLM_CALLS_DLQ`. Idempotent. */
export async function ensureCallsStream(
  jsm: JetStreamManager,
  opts: CallsStreamOptions = {},
): Promise<{ calls: EnsureStreamResult; deadLetter: EnsureStreamResult }> {
  const calls = await ensureStream(jsm, callsStreamConfig(opts));
  const deadLetter = await ensureStream(jsm, deadLetterStreamConfig(opts));
  return { calls, deadLetter };
}

export interface CallsConsumerOptions {
  durable?: string;
  /** Unacked messages are redelivered after this (the consumer extends it with `working()` while a batch runs). */
  ackWaitMs?: number;
  /** Across all replicas sharing the durable: caps batches in flight plus messages waiting for a nak delay. */
  maxAckPending?: number;
  filterSubject?: string;
}

export const CONSUMER_DEFAULTS: Required<CallsConsumerOptions> & { maxDeliver: number } = {
  durable: 'analyzer',
  ackWaitMs: 30_000,
  maxDeliver: 5,
  maxAckPending: 20_000,
  filterSubject: CALLS_COMPLETED_SUBJECT,
};

type ManagedConsumerConfig = Pick<
  ConsumerConfig,
  'durable_name' | 'ack_policy' | 'ack_wait' | 'max_deliver' | 'max_ack_pending' | 'filter_subject'
> &
  Partial<Pick<ConsumerConfig, 'deliver_policy' | 'replay_policy'>>;

export function callsConsumerConfig(opts: CallsConsumerOptions = {}): ManagedConsumerConfig {
  const o = withDefaults(CONSUMER_DEFAULTS, opts);
  return {
    durable_name: o.durable,
    ack_policy: AckPolicy.Explicit,
    ack_wait: nanos(o.ackWaitMs),
    // Unlimited on the server on purpose: the consumer counts deliveries itself and dead-letters at its
    // maxDeliver. A server-side limit would strand a message (no redelivery, never acked) whenever the
    // dead-letter publish of its last delivery failed.
    max_deliver: -1,
    max_ack_pending: o.maxAckPending,
    filter_subject: o.filterSubject,
    deliver_policy: DeliverPolicy.All,
    replay_policy: ReplayPolicy.Instant,
  };
}

/** Creates the durable pull consumer on `LESSLLM_CALLS`, or updates the settings we manage. Idempotent. */
export async function ensureCallsConsumer(
  jsm: JetStreamManager,
  opts: CallsConsumerOptions = {},
): Promise<EnsureAction> {
  const desired = callsConsumerConfig(opts);
  let current: ConsumerConfig;
  try {
    current = (await jsm.consumers.info(CALLS_STREAM, desired.durable_name ?? '')).config;
  } catch (err) {
    if (apiErrorCode(err) !== ERR_CONSUMER_NOT_FOUND) throw err;
    try {
      await jsm.consumers.add(CALLS_STREAM, desired);
      return 'created';
    } catch (addErr) {
      const code = apiErrorCode(addErr);
      if (code === undefined || !ERR_CONSUMER_EXISTS.includes(code)) throw addErr;
      current = (await jsm.consumers.info(CALLS_STREAM, desired.durable_name ?? '')).config;
    }
  }
  const { ack_wait, max_deliver, max_ack_pending, filter_subject } = desired;
  const changes = { ack_wait, max_deliver, max_ack_pending, filter_subject };
  const drifted = (Object.keys(changes) as Array<keyof typeof changes>).some((key) => current[key] !== changes[key]);
  if (!drifted) return 'unchanged';
  await jsm.consumers.update(CALLS_STREAM, desired.durable_name ?? '', changes);
  return 'updated';
}
