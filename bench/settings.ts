/** Gateway aliases of the wire-format phase: the fake's default reply, from a Chat-only and a Responses-only upstream. */
export const FORMAT_MODELS = { chat: 'fmt-chat', responses: 'fmt-responses' } as const;

/** Every knob of the benchmark in one place. Durations are per round; each phase runs ROUNDS rounds per target. */
export const SETTINGS = {
  rounds: 2,
  /** Per target and request kind (non-streaming, `fast` stream); `stream-slow` gets a quarter. */
  warmupRequests: 1000,
  fixedRate: { rps: 500, seconds: 5 },
  throughput: { connections: 50, seconds: 5 },
  /** `fast` with `stream: true`: the whole SSE body in one write; measures the streaming path's CPU cost. */
  streamFast: { connections: 50, seconds: 3 },
  /** Wire formats: the same streamed answer (~25 text deltas) for each caller x upstream format pair. */
  formats: { connections: 20, seconds: 3 },
  /** `stream-slow` on the main fake: 24 events with MAIN_CHUNK_DELAY_MS between them. */
  streamSlow: { connections: 100, seconds: 3 },
  memory: {
    streams: 1000,
    /** Streams are opened in batches (loopback accept backlogs are ~511) over about a second. */
    batch: 100,
    batchEveryMs: 100,
    sampleEveryMs: 200,
    timeoutMs: 45_000,
    /**
     * The gateway keeps at most 256 upstream connections per provider (EgressDispatchers, not configurable), so the
     * streams are spread over this many provider entries that all point at the same fake, to keep 1,000 upstream
     * streams open at once.
     */
    providers: 4,
  },
  fake: {
    mainChunkDelayMs: 2,
    /** 23 delays per stream (role, 20 words, finish, usage, [DONE]): ~10 s per stream. */
    longChunkDelayMs: 435,
  },
  ingest: {
    /** Events published to a private JetStream before the analyzer starts; the analyzer's drain of them is measured. */
    events: 100_000,
    batchSize: 1000,
    batchMaxWaitMs: 200,
    /** Publisher queue (JetStreamCallEventBus bufferLimit) and PubAcks awaited at once; it waits rather than drop. */
    publishBuffer: 20_000,
    publishInFlight: 1024,
    publishTimeoutMs: 60_000,
    /** Row-count polls through the analytics API, and analyzer RSS samples. */
    pollEveryMs: 100,
    sampleEveryMs: 500,
    drainTimeoutMs: 120_000,
    /**
     * When the target is missed (or BENCH_INGEST_PROFILE=1; =0 never): a second drain under `node --cpu-prof` of about
     * this many seconds' worth of events at the measured rate (2,000 to 20,000 events).
     */
    profileSeconds: 4,
  },
  /** Exact-cache hits through the gateway with the Redis store (skipped, saying so, when Redis is not reachable). */
  cache: { entries: 1000, rps: 500, seconds: 5 },
  /** Semantic index lookups on plain Redis, one bucket filled to this many entries (embedding time excluded). */
  semantic: { entries: 100_000, lookups: 2000 },
  /** Router decisions: in-process, over NATS to the router service process, and through the gateway. */
  router: { inProcessDecisions: 20_000, natsWarmup: 500, natsDecisions: 5000 },
  targets: {
    addedP50Ms: 1,
    addedP99Ms: 5,
    throughputRatio: 0.6,
    rssMb: 300,
    ingestEventsPerSec: 20_000,
    exactHitP99Ms: 2,
    semanticLookupP99Ms: 10,
    routerNatsP99Ms: 2,
  },
} as const;

export const API_KEY = 'sk-fake-openai';

/** Redis for the cache phases (the gateway's exact cache and the semantic index bench). */
export const BENCH_REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
