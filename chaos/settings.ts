import { existsSync } from 'node:fs';

/** The server binaries: NATS_SERVER_BIN / REDIS_SERVER_BIN, else the Debian package's path, else the PATH. */
export const NATS_SERVER_BIN =
  process.env.NATS_SERVER_BIN ?? (existsSync('/usr/sbin/nats-server') ? '/usr/sbin/nats-server' : 'nats-server');
export const REDIS_SERVER_BIN =
  process.env.REDIS_SERVER_BIN ?? (existsSync('/usr/bin/redis-server') ? '/usr/bin/redis-server' : 'redis-server');

/** Every knob of the chaos suite. CHAOS_SHORT=1 is the CI variant: fewer calls, shorter faults, same matrix. */
export const FAULT_NAMES = [
  'analyzer-kill',
  'nats-kill',
  'redis-blackhole',
  'gateway-sigterm',
  'embedded-kill',
  'oversize-bodies',
  'slow-readers',
  'huge-sse-event',
  'huge-answer',
] as const;
export type FaultName = (typeof FAULT_NAMES)[number];

export interface ChaosSettings {
  short: boolean;
  /** Mixed calls per fault (CHAOS_CALLS). */
  calls: number;
  /** Mixed calls started per second (open loop), at most `maxInFlight` at once (CHAOS_RATE). */
  rate: number;
  maxInFlight: number;
  faults: FaultName[];
  /** Of the mixed calls: streamed, and cacheable (temperature 0, prompts from a small pool, so hits happen). */
  streamShare: number;
  cacheableShare: number;
  /** Distinct cacheable prompts per (format, model). */
  cacheablePool: number;
  /** Translated calls (caller format ≠ upstream format). */
  translatedShare: number;
  /** After the traffic: how long rows may keep arriving, and the quiet time that ends the wait early. */
  settleTimeoutMs: number;
  settleQuietMs: number;
  analyzerKill: { kills: number; downMs: number };
  natsKill: { downMs: number };
  redisBlackhole: { stoppedMs: number };
  gatewaySigterm: { openStreams: number; downMs: number };
  embeddedKill: { kills: number; downMs: number };
  oversize: { calls: number; promptMb: number };
  slowReaders: { readers: number; streamMb: number; readKbPerSec: number; readSeconds: number };
  hugeEvent: { calls: number; eventMb: number };
  hugeAnswer: { calls: number; answerMb: number };
  /** Gateway config under test (seconds): readiness 503 first, then in-flight calls get drain_s. */
  shutdownDelayS: number;
  drainS: number;
  /** Analyzer config: small batches (so a kill lands mid-drain) and a short ack_wait (so redelivery is quick). */
  batchSize: number;
  ackWaitMs: number;
}

function intEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} must be a positive integer (got ${raw})`);
  return n;
}

function faultsEnv(): FaultName[] {
  const raw = process.env.CHAOS_FAULTS?.trim();
  if (!raw) return [...FAULT_NAMES];
  const asked = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = asked.filter((a) => !(FAULT_NAMES as readonly string[]).includes(a));
  if (unknown.length > 0)
    throw new Error(`CHAOS_FAULTS: unknown ${unknown.join(', ')}; known: ${FAULT_NAMES.join(', ')}`);
  return FAULT_NAMES.filter((f) => asked.includes(f));
}

export function loadSettings(): ChaosSettings {
  const short = process.env.CHAOS_SHORT === '1';
  return {
    short,
    calls: intEnv('CHAOS_CALLS', short ? 500 : 3000),
    rate: intEnv('CHAOS_RATE', short ? 100 : 150),
    maxInFlight: 64,
    faults: faultsEnv(),
    streamShare: 0.5,
    cacheableShare: 0.3,
    cacheablePool: 8,
    translatedShare: 0.25,
    settleTimeoutMs: 120_000,
    settleQuietMs: short ? 6_000 : 10_000,
    analyzerKill: { kills: short ? 2 : 4, downMs: short ? 500 : 1_500 },
    natsKill: { downMs: short ? 1_500 : 5_000 },
    redisBlackhole: { stoppedMs: short ? 1_500 : 5_000 },
    gatewaySigterm: { openStreams: short ? 20 : 50, downMs: short ? 500 : 2_000 },
    embeddedKill: { kills: short ? 1 : 2, downMs: short ? 300 : 1_000 },
    oversize: { calls: short ? 15 : 100, promptMb: 2 },
    slowReaders: { readers: short ? 10 : 30, streamMb: 48, readKbPerSec: 256, readSeconds: short ? 3 : 6 },
    hugeEvent: { calls: short ? 1 : 3, eventMb: 50 },
    hugeAnswer: { calls: short ? 1 : 3, answerMb: 200 },
    shutdownDelayS: 1,
    drainS: 3,
    batchSize: 100,
    ackWaitMs: 2_000,
  };
}

export const ADMIN_KEY = 'chaos-admin-key-0001';
export const CALLER_KEY = 'chaos-caller-key-0001';
export const TENANT = 'chaos';
export const OPENAI_MODEL = 'gpt-4o-mini';
export const ANTHROPIC_MODEL = 'claude-haiku-4-5';

/** Gateway aliases of the hostile upstream's behaviours (sizes from the settings). */
export const HOSTILE_ALIASES = {
  bigStream: 'chaos-big-stream',
  hugeEvent: 'chaos-huge-event',
  hugeJson: 'chaos-huge-json',
  endless: 'chaos-endless-stream',
} as const;
