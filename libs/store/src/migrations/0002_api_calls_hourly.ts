import type { Migration } from './migration';

/**
 * `api_calls_hourly`: an hourly rollup per model, provider, tenant and user, fed by a materialized view on
 * every insert into api_calls. AggregatingMergeTree: sums are SimpleAggregateFunction(sum) (read them with
 * sum()), latency percentiles are quantiles states (read them with quantilesMerge(0.5, 0.9, 0.99)(...)).
 *
 * Token sums prefer the provider's figures and fall back to LessLLM's estimates when the provider reported
 * none; errors count status = 'error'. The view sees inserts, not merges, and its part of an insert is not
 * atomic with api_calls': a crash between the two, or a duplicate two writers raced in, leaves the rollup off
 * until the hour is recomputed from api_calls FINAL (rollup/rollup-keeper.ts: on redelivery, or
 * `lessllm doctor --repair`).
 */
const createRollup = `
CREATE TABLE IF NOT EXISTS api_calls_hourly
(
    hour DateTime('UTC'),
    model LowCardinality(String),
    provider LowCardinality(String),
    tenant LowCardinality(String),
    user_id String,
    calls SimpleAggregateFunction(sum, UInt64),
    errors SimpleAggregateFunction(sum, UInt64),
    prompt_tokens SimpleAggregateFunction(sum, UInt64),
    completion_tokens SimpleAggregateFunction(sum, UInt64),
    total_tokens SimpleAggregateFunction(sum, UInt64),
    cached_tokens SimpleAggregateFunction(sum, UInt64),
    cost_usd SimpleAggregateFunction(sum, Float64),
    total_latency_ms_sum SimpleAggregateFunction(sum, Float64),
    ttft_ms_quantiles AggregateFunction(quantiles(0.5, 0.9, 0.99), Nullable(Float64)),
    tpot_ms_quantiles AggregateFunction(quantiles(0.5, 0.9, 0.99), Nullable(Float64))
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(hour)
ORDER BY (hour, model, provider, tenant, user_id)`;

/**
 * The rollup of the rows of `from` (filtered by `where`, which starts with a newline and WHERE). The view, the
 * backfill and the rollup recompute (rollup/rollup-recompute.ts) all use it; rollup-definition.spec.ts checks
 * that the view in the database still has this SELECT, so a later migration that redefines the view must
 * update the recompute with it.
 */
export function rollupSelect(from: string, where: string): string {
  return `
SELECT
    toStartOfHour(timestamp) AS hour,
    model,
    provider,
    tenant,
    user_id,
    toUInt64(count()) AS calls,
    toUInt64(countIf(status = 'error')) AS errors,
    toUInt64(sum(coalesce(actual_prompt_tokens, estimated_prompt_tokens))) AS prompt_tokens,
    toUInt64(sum(coalesce(actual_completion_tokens, estimated_completion_tokens))) AS completion_tokens,
    toUInt64(sum(coalesce(actual_total_tokens, estimated_prompt_tokens + estimated_completion_tokens))) AS total_tokens,
    toUInt64(sum(ifNull(actual_cached_tokens, 0))) AS cached_tokens,
    toFloat64(sum(ifNull(estimated_cost_usd, 0))) AS cost_usd,
    toFloat64(sum(total_latency_ms)) AS total_latency_ms_sum,
    quantilesState(0.5, 0.9, 0.99)(estimated_ttft_ms) AS ttft_ms_quantiles,
    quantilesState(0.5, 0.9, 0.99)(estimated_tpot_ms) AS tpot_ms_quantiles
FROM ${from}${where}
GROUP BY hour, model, provider, tenant, user_id`;
}

const createView = `
CREATE MATERIALIZED VIEW IF NOT EXISTS api_calls_hourly_mv TO api_calls_hourly AS${rollupSelect('api_calls', '')}`;

/**
 * Rows stored before the view existed. Guarded by "rollup still empty" so a re-run does not count them twice;
 * on a fresh install api_calls is empty and this inserts nothing.
 */
const backfill = `
INSERT INTO api_calls_hourly${rollupSelect('api_calls FINAL', '\nWHERE (SELECT count() FROM api_calls_hourly) = 0')}`;

export const migration0002: Migration = {
  id: '0002_api_calls_hourly',
  up: [createRollup, createView, backfill],
  down: ['DROP VIEW IF EXISTS api_calls_hourly_mv', 'DROP TABLE IF EXISTS api_calls_hourly'],
};
