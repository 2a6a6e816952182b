import { z } from 'zod';

/** Proxy URL: http://, https://, socks4://, socks4a://, socks5://, socks5h:// with optional user:pass@. */
const proxyUrl = z.string().refine(
  (value) => {
    try {
      return ['http:', 'https:', 'socks:', 'socks4:', 'socks4a:', 'socks5:', 'socks5h:'].includes(
        new URL(value).protocol,
      );
    } catch {
      return false;
    }
  },
  {
    message:
      'must be a URL like http://user:pass@host:8080, https://host:8443 or socks5://host:1080 (socks4, socks4a, socks5, socks5h)',
  },
);

/** An empty value (e.g. an unset `${VAR:-}`) means "no proxy here". */
const optionalProxyUrl = z.preprocess((value) => (value === '' ? undefined : value), proxyUrl.optional());

export const proxySchema = z.strictObject({
  /** Proxy for plain-http upstreams; also used for https upstreams when https_proxy is not set. */
  http_proxy: optionalProxyUrl,
  /** Proxy for https upstreams. */
  https_proxy: optionalProxyUrl,
  /** SOCKS proxy, tried after the HTTP ones. */
  socks_proxy: optionalProxyUrl,
  /** An explicit ordered list of proxies; when set, replaces http_proxy/https_proxy/socks_proxy. */
  proxies: z
    .preprocess((list) => (Array.isArray(list) ? list.filter((item) => item !== '') : list), z.array(proxyUrl))
    .optional(),
  /** Hosts reached directly: exact names, `.suffix`/`*.suffix` domains, IPs, `*`. */
  no_proxy: z.array(z.string()).default([]),
  /** Go direct after every proxy failed to connect. Off by default: restricted networks usually forbid it. */
  allow_direct: z.boolean().default(false),
});
export type ProxyConfig = z.infer<typeof proxySchema>;

export const timeoutsSchema = z.strictObject({
  /** TCP + proxy handshake + TLS. */
  connect_ms: z.number().int().positive().default(10_000),
  /** Until the upstream response headers arrive (covers the provider's queueing and, non-streaming, generation). */
  headers_ms: z.number().int().positive().default(300_000),
  /** Longest silence between two body chunks (stream idle). */
  idle_ms: z.number().int().positive().default(120_000),
});
export type TimeoutsConfig = z.infer<typeof timeoutsSchema>;

export const retrySchema = z.strictObject({
  max_retries: z.number().int().min(0).max(10).default(2),
  base_delay_ms: z.number().int().min(0).default(250),
  max_delay_ms: z.number().int().min(0).default(8_000),
  /** A retry-after longer than this is not waited for: the fallback chain is tried instead. */
  max_retry_after_ms: z.number().int().min(0).default(20_000),
});
export type RetryConfig = z.infer<typeof retrySchema>;

export const providerTypes = ['openai', 'anthropic', 'azure', 'gemini'] as const;
export type ProviderType = (typeof providerTypes)[number];

export const providerSchema = z.strictObject({
  type: z.enum(providerTypes),
  base_url: z.url({ message: 'must be an absolute URL such as https://api.openai.com/v1' }).optional(),
  api_key: z.string().optional(),
  /** Azure: api-version query parameter (omit for the v1 API at .../openai/v1). */
  api_version: z.string().optional(),
  /** Azure: model name -> deployment name (default: the model name is the deployment name). */
  deployments: z.record(z.string(), z.string()).optional(),
  /** Models callers may name directly with this provider. */
  models: z.array(z.string()).default([]),
  /** Per-provider egress: overrides the global proxy block; `false` means always direct. */
  proxy: z.union([proxySchema, z.literal(false)]).optional(),
  timeouts: timeoutsSchema.partial().optional(),
  retry: retrySchema.partial().optional(),
  /** Cap on connections to this provider per gateway process (each in-flight stream holds one). Default: no cap. */
  max_connections: z.number().int().positive().optional(),
  /** Extra headers sent upstream (e.g. OpenRouter's HTTP-Referer). */
  headers: z.record(z.string(), z.string()).default({}),
  /** Ask an OpenAI-format upstream for usage in streams (stream_options.include_usage). Turn off for servers that reject it. */
  stream_usage: z.boolean().default(true),
  /** max_tokens sent to Anthropic when an OpenAI-format caller gives none (Anthropic requires it). */
  default_max_tokens: z.number().int().positive().default(4096),
  /**
   * openai / azure: the OpenAI APIs this upstream serves, preferred first (callers of another format are translated
   * to the first). Default: all three for api.openai.com, chat_completions and completions for other servers.
   */
  apis: z
    .array(z.enum(['chat_completions', 'responses', 'completions']))
    .min(1, 'must name at least one API')
    .optional(),
});
export type ProviderConfig = z.infer<typeof providerSchema>;

/** Per-alias exact-cache policy; unset fields fall back to the global `cache.exact` block. */
export const aliasCacheSchema = z.strictObject({
  /** Off: this alias is never cached (the x-lessllm-cache: force header does not override it). */
  enabled: z.boolean().optional(),
  /** TTL of entries made for this alias (default cache.exact.default_ttl_s). */
  ttl_s: z.number().int().positive().optional(),
  /** Only cache deterministic requests (temperature 0) unless the caller sends x-lessllm-cache: force. */
  deterministic_only: z.boolean().default(true),
  /** Semantic cache for this alias (default: cache.semantic.enabled). False turns it off for this alias only. */
  semantic: z.boolean().optional(),
  /** Cosine threshold of the semantic cache for this alias (default cache.semantic.threshold). */
  semantic_threshold: z.number().gt(0).max(1).optional(),
});
export type AliasCacheConfig = z.infer<typeof aliasCacheSchema>;

export const modelAliasSchema = z.strictObject({
  provider: z.string(),
  model: z.string(),
  fallbacks: z.array(z.string()).default([]),
  cache: aliasCacheSchema.optional(),
  /** Output cap of the model, for requests translated to it (default: the built-in table for known models). */
  max_output_tokens: z.number().int().positive().optional(),
});
export type ModelAliasConfig = z.infer<typeof modelAliasSchema>;

export const authSchema = z.strictObject({
  admin_key: z.string().min(8, 'admin_key must be at least 8 characters').optional(),
  keys: z
    .array(
      z.strictObject({
        key: z.string().min(8, 'caller keys must be at least 8 characters'),
        tenant: z.string().min(1),
        name: z.string().optional(),
      }),
    )
    .default([]),
  /** Callers send their own provider key (as their SDK's API key); it is forwarded upstream, never stored. */
  bring_your_own_key: z.boolean().default(false),
});
export type AuthConfig = z.infer<typeof authSchema>;

export const serverSchema = z.strictObject({
  port: z.number().int().min(0).max(65535).default(8000),
  host: z.string().default('0.0.0.0'),
  body_limit_mb: z.number().positive().default(32),
  log_level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
  /** A caller must send its request headers within this (else 408 and the socket is closed). */
  headers_timeout_s: z.number().positive().default(10),
  /** A caller must send its whole request (headers and body) within this; it does not bound the answer. */
  body_timeout_s: z.number().positive().default(30),
  /** An idle keep-alive connection is closed after this (above load balancers' own, e.g. 60 s on AWS). */
  keep_alive_timeout_s: z.number().positive().default(65),
  /** Longest a streamed answer may run before the gateway ends it (recorded as an error); 0 = no limit. */
  max_stream_s: z.number().min(0).default(0),
  /** On SIGTERM: readiness turns false at once; new requests are still served for `shutdown_delay_s`. */
  shutdown_delay_s: z.number().min(0).default(0),
  /** Then the listener closes and in-flight calls get `drain_s` to finish before they are cut (recorded aborted). */
  drain_s: z.number().min(0).default(25),
});

/** Bounds on what one call may make the gateway hold (README "Limits"). */
export const limitsSchema = z.strictObject({
  /** Deepest JSON nesting accepted in a request body (arrays and objects); deeper is a 400 naming the field. */
  json_depth: z.number().int().min(16).max(10_000).default(256),
  /** Largest upstream answer (a JSON body or a whole stream) relayed; beyond it the call ends with a 502. */
  upstream_response_mb: z.number().positive().default(64),
  /** Request and response bodies kept in a call's record beyond this are cut (the row says so); callers get all. */
  recorded_body_kb: z.number().int().min(1).default(1024),
});
export type LimitsConfig = z.infer<typeof limitsSchema>;

export const storageSchema = z.strictObject({
  /** ClickHouse server (http://host:8123). Unset: the embedded chDB engine in `data_dir`. */
  clickhouse_url: z.url({ message: 'must be a URL such as http://clickhouse:8123' }).optional(),
  username: z.string().optional(),
  password: z.string().optional(),
  /**
   * A dedicated read-only ClickHouse user for the analytics API's queries (deploy/compose/clickhouse-users.xml:
   * `lessllm_query`). Unset: they run as `username`, under per-request readonly settings.
   */
  query_username: z.string().optional(),
  query_password: z.string().optional(),
  database: z.string().default('default'),
  /** Folder of the embedded engine (chDB locks it: one process at a time). */
  data_dir: z.string().default('./.lessllm'),
});
export type StorageConfig = z.infer<typeof storageSchema>;

export const eventsSchema = z.strictObject({
  /** NATS with JetStream (nats://host:4222). Unset: events stay in-process (embedded mode). */
  nats_url: z.string().optional(),
  /** Events kept in memory while NATS is unreachable; the oldest are dropped (and counted) beyond it. */
  buffer_limit: z.number().int().positive().default(10_000),
  /** Replicas of the LESSLLM_CALLS stream in a clustered NATS (3 for a 3-node JetStream cluster). */
  stream_replicas: z.number().int().min(1).max(5).default(1),
});

export const analyzerSchema = z.strictObject({
  /** Redis for provider prompt-cache prediction state, shared by analyzer replicas. Unset: per process. */
  prefix_store_url: z.string().optional(),
  batch_size: z.number().int().positive().default(1000),
  batch_max_wait_ms: z.number().int().positive().default(1000),
  /**
   * JetStream ack_wait of the analyzers' durable consumer: how long an unacknowledged batch (its analyzer died)
   * waits before it is delivered again, to any replica. Heartbeats keep a slow batch from expiring.
   */
  ack_wait_ms: z.number().int().min(1000).default(30_000),
  /**
   * Embedded mode (`lessllm server` without NATS): the local append-only spool between the gateway and the
   * in-process recorder. A kill -9 loses only events not yet written to it (one write, well under a millisecond);
   * a power cut, at most those of the last `fsync_interval_ms`. Replayed into the store at the next start.
   */
  spool: z
    .strictObject({
      enabled: z.boolean().default(true),
      /** Default `<storage.data_dir>/spool`. One server per spool directory (it is locked). */
      dir: z.string().optional(),
      /** fdatasync at most this long after a write. */
      fsync_interval_ms: z.number().int().min(1).max(10_000).default(25),
      /** ...or as soon as this many KiB are written and not yet synced. */
      fsync_kb: z.number().int().positive().default(1024),
      /** A segment file is closed and a new one started at this size; segments the store has are deleted. */
      segment_mb: z.number().positive().default(16),
      /**
       * Bound on disk (a long store outage): beyond it the oldest segment is dropped, its unstored events counted
       * (`lessllm_call_spool_events_total{outcome="dropped_full"}`) and logged; calls are still answered.
       */
      max_mb: z.number().positive().default(1024),
    })
    .refine((spool) => spool.segment_mb * 4 <= spool.max_mb, {
      message: 'max_mb must be at least 4 × segment_mb (the spool drops whole segments when full)',
      path: ['max_mb'],
    })
    .prefault({}),
  /** Prices for models missing from the built-in table (custom or self-hosted), USD per 1M tokens. */
  prices: z
    .record(
      z.string(),
      z.strictObject({
        input: z.number().min(0),
        output: z.number().min(0),
        cached_input: z.number().min(0).optional(),
        cache_write_5m: z.number().min(0).optional(),
        cache_write_1h: z.number().min(0).optional(),
      }),
    )
    .default({}),
});

export const exactCacheSchema = z.strictObject({
  enabled: z.boolean().default(true),
  /** TTL of an entry unless the alias or the caller (x-lessllm-cache-ttl) says otherwise. */
  default_ttl_s: z.number().int().positive().default(3600),
  /** Larger answers are not cached. */
  max_entry_bytes: z
    .number()
    .int()
    .positive()
    .default(1024 * 1024),
  /** Bound of the in-memory store (embedded mode); least recently used entries are evicted beyond it. */
  max_total_bytes: z
    .number()
    .int()
    .positive()
    .default(256 * 1024 * 1024),
});
export type ExactCacheConfig = z.infer<typeof exactCacheSchema>;

/** An embeddings model served by the gateway's own providers (a neural embedder). */
export const modelEmbedderSchema = z.strictObject({
  /** Alias or provider model that serves embeddings, e.g. text-embedding-3-small. */
  model: z.string().min(1),
  /** Length of its vectors (1536 for text-embedding-3-small). */
  dimensions: z.number().int().positive(),
  /** Embedding budget of one lookup, on top of cache.lookup_timeout_ms (a slower lookup misses). */
  timeout_ms: z.number().int().positive().default(300),
});
export type ModelEmbedderConfig = z.infer<typeof modelEmbedderSchema>;

/**
 * Semantic cache: reuses a cached answer when only the last user turn differs and is lexically close. Off by
 * default: the local embedder measures lexical similarity, not meaning (recall ~0.54 at precision 1.00 on
 * eval/cache), so it only catches case/punctuation/filler variants; turn it on where that is worth it.
 */
export const semanticCacheSchema = z
  .strictObject({
    enabled: z.boolean().default(false),
    /** `lexical` (local, no network: word and character n-grams) or an embeddings model through the gateway. */
    embedder: z.union([z.literal('lexical'), modelEmbedderSchema]).default('lexical'),
    /**
     * Cosine threshold. Default 0.85, chosen by eval/cache for the lexical embedder; a model embedder's scores
     * live on another scale, so with one the threshold must be set (measure it with `npm run eval:cache`).
     */
    threshold: z.number().gt(0).max(1).optional(),
    /** Lifetime of a semantic index entry (the answer itself lives in the exact cache, with its own TTL). */
    ttl_s: z.number().int().positive().default(3600),
    /** Entries kept per context bucket (same tenant, model, params and history); the oldest are evicted. */
    max_per_bucket: z.number().int().positive().default(1000),
  })
  .refine((semantic) => semantic.embedder === 'lexical' || semantic.threshold !== undefined, {
    path: ['threshold'],
    message:
      'is required when cache.semantic.embedder is a model: 0.85 was measured for the lexical embedder only; ' +
      'measure yours with `npm run eval:cache` (LESSLLM_EVAL_EMBEDDINGS_*) and set it',
  });
export type SemanticCacheConfig = z.infer<typeof semanticCacheSchema>;

export const cacheSchema = z.strictObject({
  /** Redis (redis://host:6379) shared by gateway replicas. Unset: an in-memory LRU per process. */
  redis_url: z.preprocess((value) => (value === '' ? undefined : value), z.string().optional()),
  /** Prefix of every Redis key the response cache writes. */
  key_prefix: z.string().min(1).default('lessllm:rc:'),
  /** A lookup slower than this is abandoned and the request goes to the provider (fail-open). */
  lookup_timeout_ms: z.number().int().positive().default(20),
  exact: exactCacheSchema.default(exactCacheSchema.parse({})),
  semantic: semanticCacheSchema.default(semanticCacheSchema.parse({})),
});
export type CacheConfig = z.infer<typeof cacheSchema>;

export const routerTierSchema = z.strictObject({
  /** A model alias from `models:` (or, in environment-only mode, a model the gateway routes by name). */
  model: z.string().min(1),
  /**
   * Chosen when the classifier's probability that a strong model is needed reaches this (the highest tier
   * reached wins). Default: the first tier 0, the others evenly spaced (two tiers: 0.5).
   */
  min_probability: z.number().min(0).max(1).optional(),
});
export type RouterTierConfig = z.infer<typeof routerTierSchema>;

export const routerLlmSchema = z.strictObject({
  /** OpenAI-compatible base URL of the rating model, e.g. the gateway itself: http://127.0.0.1:8000/v1. */
  base_url: z.string().url(),
  api_key: z.string().optional(),
  /** A cheap model that rates requests simple / medium / complex. */
  model: z.string().min(1),
  timeout_ms: z.number().int().positive().default(3000),
  /** Ratings remembered per prompt hash. */
  cache_size: z.number().int().positive().default(10_000),
});

export const routerSchema = z.strictObject({
  /** features (default, local) | trained (weights_file) | llm (router.llm) | cascade (cheap tier first, escalate). */
  classifier: z.enum(['features', 'trained', 'llm', 'cascade']).default('features'),
  /** Tiers from cheapest to strongest; callers ask for `model: "auto"` or a tier name. */
  tiers: z.record(z.string(), routerTierSchema),
  /** Used when the router is slow, down, or routing is turned off for a call (`x-lessllm-route: off`). */
  default_tier: z.string().min(1),
  /** The gateway waits at most this long for a decision, then uses default_tier. */
  timeout_ms: z.number().positive().default(5),
  /** A separate router service over NATS request/reply (lessllm.router.decide); unset: in-process. */
  nats_url: z.preprocess((value) => (value === '' ? undefined : value), z.string().optional()),
  /** Weights written by `lessllm router train` (classifier: trained); reloaded when the file changes. */
  weights_file: z.string().optional(),
  llm: routerLlmSchema.optional(),
});
export type RouterConfig = z.infer<typeof routerSchema>;

const budget = z.number().int().min(1024, 'Anthropic thinking budgets start at 1024 tokens');

/** How requests are translated between wire formats (README "Translation policy"). */
export const translationSchema = z.strictObject({
  /** Refuse (400) fields that have no equivalent in the target format instead of dropping them. */
  strict: z.boolean().default(false),
  /** Anthropic thinking budget per reasoning effort (and back: a budget maps to the largest effort it reaches). */
  reasoning_budgets: z
    .strictObject({
      minimal: budget.default(1024),
      low: budget.default(2048),
      medium: budget.default(8192),
      high: budget.default(16384),
      xhigh: budget.default(32768),
    })
    .default({ minimal: 1024, low: 2048, medium: 8192, high: 16384, xhigh: 32768 }),
});
export type TranslationConfig = z.infer<typeof translationSchema>;

/** Responses API state the gateway keeps for `previous_response_id`, GET and DELETE (README "Responses API"). */
export const responsesStoreSchema = z.strictObject({
  /** Redis shared by every gateway replica. Unset: `cache.redis_url` when set, else in memory (one process). */
  redis_url: z.preprocess((value) => (value === '' ? undefined : value), z.string().optional()),
  key_prefix: z.string().min(1).default('lessllm:resp:'),
  /** How long a stored response can be continued or read. */
  ttl_s: z
    .number()
    .int()
    .positive()
    .default(7 * 24 * 3600),
  /** A response (its turn's input and output) larger than this is not stored; continuing from it is a 404. */
  max_entry_bytes: z
    .number()
    .int()
    .positive()
    .default(4 * 1024 * 1024),
  /** Bound of the in-memory store; least recently used responses are evicted beyond it. */
  max_total_bytes: z
    .number()
    .int()
    .positive()
    .default(128 * 1024 * 1024),
  /** Longest chain of previous_response_id links followed. */
  max_chain: z.number().int().positive().default(1000),
});
export type ResponsesStoreConfig = z.infer<typeof responsesStoreSchema>;

/** The analytics API (`/v1/analytics/*`): bounds for users' SQL and exports, and its share of the engine. */
export const analyticsSchema = z.strictObject({
  /** Rows one query may return; a request's `max_rows` may ask for fewer (default 10,000) but not more. */
  max_result_rows: z.number().int().positive().default(100_000),
  /** Size of one query's result (JSON held by the API, and ClickHouse's max_result_bytes). */
  max_result_mb: z.number().positive().default(100),
  /** Memory one query or export may use inside ClickHouse (max_memory_usage). */
  max_memory_mb: z.number().positive().default(1024),
  /** Seconds one query may run (max_execution_time). */
  timeout_s: z.number().positive().default(30),
  /** Queries and exports running at once in this process; the rest wait in a queue. */
  max_concurrent: z.number().int().positive().default(2),
  /** Waiting requests at most; beyond it, or after `queue_timeout_s` in the queue, the API answers 503. */
  max_queued: z.number().int().min(0).default(8),
  queue_timeout_s: z.number().positive().default(10),
  /** ClickHouse threads per analytics query (max_threads), so ingestion keeps cores; 0 = the engine's default. */
  max_threads: z.number().int().min(0).default(1),
  /** ClickHouse query priority (1 = highest; a query waits while ones with a lower number run, and ingestion runs
   * at 1); 0 = none. */
  priority: z.number().int().min(0).default(10),
  /** Exports (`/v1/analytics/export`): rows, seconds and size (they stream, so the size bounds the engine). */
  export_max_rows: z.number().int().positive().default(100_000_000),
  export_timeout_s: z.number().positive().default(3600),
  export_max_mb: z.number().positive().default(10_240),
});
export type AnalyticsConfig = z.infer<typeof analyticsSchema>;

export const configSchema = z.strictObject({
  server: serverSchema.default(serverSchema.parse({})),
  limits: limitsSchema.default(limitsSchema.parse({})),
  proxy: proxySchema.optional(),
  timeouts: timeoutsSchema.default(timeoutsSchema.parse({})),
  retry: retrySchema.default(retrySchema.parse({})),
  providers: z.record(z.string(), providerSchema).default({}),
  models: z.record(z.string(), modelAliasSchema).default({}),
  auth: authSchema.optional(),
  storage: storageSchema.default(storageSchema.parse({})),
  events: eventsSchema.default(eventsSchema.parse({})),
  analyzer: analyzerSchema.default(analyzerSchema.parse({})),
  analytics: analyticsSchema.default(analyticsSchema.parse({})),
  cache: cacheSchema.default(cacheSchema.parse({})),
  router: routerSchema.optional(),
  translation: translationSchema.default(translationSchema.parse({})),
  responses: responsesStoreSchema.default(responsesStoreSchema.parse({})),
});
export type LessLLMConfig = z.infer<typeof configSchema>;
