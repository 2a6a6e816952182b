/** SQL the analytics API builds itself. Every value is validated or escaped here, never interpolated raw. */

/** A ClickHouse string literal. */
export function sqlString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

export function usageStatsSql(days: number): string {
  return `
SELECT
  toDate(timestamp) AS day,
  model,
  count() AS calls,
  countIf(status != 'success') AS errors,
  round(countIf(status != 'success') / count(), 4) AS error_rate,
  sum(coalesce(actual_prompt_tokens, estimated_prompt_tokens)) AS prompt_tokens,
  sum(coalesce(actual_completion_tokens, estimated_completion_tokens)) AS completion_tokens,
  round(sum(estimated_cost_usd), 6) AS cost_usd,
  round(quantile(0.5)(estimated_ttft_ms), 2) AS p50_ttft_ms,
  round(quantile(0.95)(estimated_ttft_ms), 2) AS p95_ttft_ms,
  round(quantile(0.5)(estimated_tpot_ms), 3) AS p50_tpot_ms,
  round(quantile(0.95)(estimated_tpot_ms), 3) AS p95_tpot_ms,
  round(avg(actual_cache_hit_rate), 4) AS actual_cache_hit_rate,
  round(avg(estimated_cache_hit_rate), 4) AS estimated_cache_hit_rate,
  countIf(response_cache_status IN ('hit', 'semantic-hit')) AS response_cache_hits,
  round(response_cache_hits / greatest(countIf(response_cache_status IN ('hit', 'semantic-hit', 'miss')), 1), 4)
    AS response_cache_hit_rate,
  round(sum(coalesce(response_cache_saved_cost_usd, 0)), 6) AS response_cache_saved_usd
FROM api_calls
WHERE timestamp >= now64(3) - INTERVAL ${Math.trunc(days)} DAY
GROUP BY day, model
ORDER BY day DESC, model`;
}

export interface ExportFilters {
  since?: string;
  until?: string;
  models?: string[];
  users?: string[];
}

const DATE = /^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?)?Z?$/;

/** Checks a date filter; returns an error message naming the parameter, or null. */
export function checkDate(name: string, value: string | undefined): string | null {
  if (value === undefined || DATE.test(value)) return null;
  return `${name} must be a date like 2024-01-01 or 2024-01-01T12:00:00 (UTC), got ${JSON.stringify(value)}`;
}

export function exportSql(filters: ExportFilters): string {
  const where: string[] = [];
  const ts = (v: string) => `parseDateTime64BestEffort(${sqlString(v)}, 3, 'UTC')`;
  if (filters.since) where.push(`timestamp >= ${ts(filters.since)}`);
  if (filters.until) where.push(`timestamp < ${ts(filters.until)}`);
  if (filters.models?.length) where.push(`model IN (${filters.models.map(sqlString).join(', ')})`);
  if (filters.users?.length) where.push(`user_id IN (${filters.users.map(sqlString).join(', ')})`);
  return `SELECT * FROM api_calls${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY timestamp`;
}
