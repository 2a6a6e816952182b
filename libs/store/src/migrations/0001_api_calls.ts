import type { Migration } from './migration';

/**
 * `api_calls`: one row per call, exactly the ApiCallRow columns plus `ingested_at`.
 *
 * - ReplacingMergeTree(ingested_at): rows with the same sorting key collapse at merge time, keeping the
 *   latest ingested. request_id is the last key column, so a duplicate request_id (same day, model, user)
 *   collapses: the second line of defence behind the check-before-insert in insert-rows.ts.
 * - PARTITION BY month: time-range queries prune whole partitions; TTL drops and backups work per month.
 * - ORDER BY (toDate(timestamp), model, user_id, request_id): the common filters are a time range, then per
 *   model, then per user; a day-granular first key keeps per-model/per-user ranges contiguous within a day.
 * - bloom_filter on request_id: the idempotency lookup and "find this request id" skip most granules.
 * - Retention: no TTL by default (nothing is deleted). To keep N days, run
 *   `ALTER TABLE api_calls MODIFY TTL toDateTime(timestamp) + INTERVAL N DAY` (see apiCallsTtlStatement).
 */
const createApiCalls = `
CREATE TABLE IF NOT EXISTS api_calls
(
    request_id String,
    timestamp DateTime64(3, 'UTC') CODEC(Delta, ZSTD(1)),
    model LowCardinality(String),
    requested_model LowCardinality(String),
    provider LowCardinality(String),
    provider_type LowCardinality(String),
    endpoint LowCardinality(String),
    caller_format LowCardinality(String),
    tenant LowCardinality(String),
    user_id String,
    is_streaming Bool,
    status LowCardinality(String),
    http_status UInt16,
    error_type LowCardinality(Nullable(String)),
    error_message Nullable(String) CODEC(ZSTD(1)),

    actual_prompt_tokens Nullable(UInt32),
    actual_completion_tokens Nullable(UInt32),
    actual_total_tokens Nullable(UInt32),
    actual_cached_tokens Nullable(UInt32),
    actual_cache_creation_tokens Nullable(UInt32),
    actual_reasoning_tokens Nullable(UInt32),
    actual_cache_hit_rate Nullable(Float64),

    estimated_prompt_tokens UInt32,
    estimated_completion_tokens UInt32,
    estimated_cost_usd Nullable(Float64),
    estimated_cached_tokens UInt32,
    estimated_cache_hit_rate Float64,
    estimated_ttft_ms Nullable(Float64),
    estimated_tpot_ms Nullable(Float64),
    total_latency_ms Float64,

    upstream_headers_ms Nullable(Float64),
    dns_ms Nullable(Float64),
    connect_ms Nullable(Float64),
    proxy_ms Nullable(Float64),
    tls_ms Nullable(Float64),
    connection_reused Bool,
    egress LowCardinality(String),
    attempts UInt32,
    output_chunks UInt32,
    usage_source LowCardinality(String),
    price_version LowCardinality(String),
    request_json String CODEC(ZSTD(3)),
    response_json String CODEC(ZSTD(3)),

    ingested_at DateTime64(3, 'UTC') DEFAULT now64(3) CODEC(Delta, ZSTD(1)),

    INDEX idx_request_id request_id TYPE bloom_filter(0.01) GRANULARITY 4
)
ENGINE = ReplacingMergeTree(ingested_at)
PARTITION BY toYYYYMM(timestamp)
ORDER BY (toDate(timestamp), model, user_id, request_id)
-- Retention (off by default): TTL toDateTime(timestamp) + INTERVAL 365 DAY DELETE
SETTINGS index_granularity = 8192`;

export const migration0001: Migration = {
  id: '0001_api_calls',
  up: [createApiCalls],
  down: ['DROP TABLE IF EXISTS api_calls'],
};

/** The statement that sets (days > 0) or removes (null) the retention TTL on api_calls. */
export function apiCallsTtlStatement(days: number | null): string {
  if (days === null) return 'ALTER TABLE api_calls REMOVE TTL';
  if (!Number.isSafeInteger(days) || days <= 0) throw new Error(`retention days must be a positive integer: ${days}`);
  return `ALTER TABLE api_calls MODIFY TTL toDateTime(timestamp) + INTERVAL ${days} DAY DELETE`;
}
