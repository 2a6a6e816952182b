import type { AnalyticsConfig, ReadOnlyQueryOptions } from '@lessllm/shared';
import { GatewayError } from '@lessllm/shared';

const MB = 1024 * 1024;

/** Rows a query returns when the request does not say (capped by analytics.max_result_rows). */
export const DEFAULT_QUERY_ROWS = 10_000;

/** The store options every analytics query carries: the engine settings that bound it and yield to ingestion. */
function engineShare(config: AnalyticsConfig): ReadOnlyQueryOptions {
  return {
    maxMemoryBytes: Math.round(config.max_memory_mb * MB),
    maxThreads: config.max_threads || undefined,
    priority: config.priority || undefined,
  };
}

export function queryOptions(config: AnalyticsConfig, maxRows: number): ReadOnlyQueryOptions {
  return {
    ...engineShare(config),
    maxRows,
    timeoutSeconds: config.timeout_s,
    maxResultBytes: Math.round(config.max_result_mb * MB),
  };
}

export function exportOptions(config: AnalyticsConfig): ReadOnlyQueryOptions {
  return {
    ...engineShare(config),
    maxRows: config.export_max_rows,
    timeoutSeconds: config.export_timeout_s,
    maxResultBytes: Math.round(config.export_max_mb * MB),
  };
}

interface StoreErrorLike {
  kind: string;
  message: string;
  clickhouseCode?: number;
}

/** ClickHouse AUTHENTICATION_FAILED: the deployment's credentials (storage.query_username), not the user's SQL. */
const AUTHENTICATION_FAILED = 516;

const isStoreQueryError = (err: unknown): err is Error & StoreErrorLike =>
  err instanceof Error && err.name === 'StoreQueryError';

/**
 * A store error as the API's answer: the user's SQL or a limit it hit is a 400 whose message names the limit
 * and the config key that sets it (code `sql_refused` for what the sandbox or the engine refuses to read or
 * change); a store that was not reached, or refused our credentials, is a 503.
 */
export function analyticsError(
  err: unknown,
  config: AnalyticsConfig,
  maxRows: number,
  use: 'query' | 'export' = 'query',
): GatewayError {
  const unavailable = (message: string) =>
    new GatewayError('store_unavailable', `The call store did not answer: ${message}`.slice(0, 500));
  if (!isStoreQueryError(err)) return unavailable(err instanceof Error ? err.message : String(err));
  const limit = (code: string, text: string) => new GatewayError('invalid_request', text, 'sql', code);
  if (use === 'export') {
    const exportLimit = exportLimitError(err.kind, config);
    if (exportLimit) return limit(exportLimit.code, exportLimit.text);
  }
  switch (err.kind) {
    case 'too_many_rows':
      return limit(
        'result_too_many_rows',
        `The result has more than ${maxRows} rows (max_rows ${maxRows}; at most analytics.max_result_rows = ` +
          `${config.max_result_rows}). Add a LIMIT or aggregate further.`,
      );
    case 'result_too_large':
      return limit(
        'result_too_large',
        `The result is larger than ${config.max_result_mb} MB (analytics.max_result_mb). ` +
          'Select fewer columns, add a LIMIT or aggregate further.',
      );
    case 'memory_limit':
      return limit(
        'query_memory_limit',
        `The query needs more than ${config.max_memory_mb} MB of memory in ClickHouse (analytics.max_memory_mb). ` +
          `Aggregate over fewer rows or groups. ${err.message}`.slice(0, 1000),
      );
    case 'timeout':
      return limit(
        'query_timeout',
        `The query ran longer than ${config.timeout_s} s (analytics.timeout_s). Narrow the time range or aggregate the rollup (api_calls_hourly).`,
      );
    case 'invalid_sql':
    case 'readonly':
      // The sandbox's refusals (validator), and the engine's READONLY (164) behind it.
      return limit('sql_refused', err.message);
    case 'access_denied':
      if (err.clickhouseCode === AUTHENTICATION_FAILED) return unavailable(err.message);
      // The query user's grants (497): the server refused to read something the validator let through.
      return limit('sql_refused', err.message);
    case 'engine':
      // No ClickHouse code: the engine was not reached (connection refused, chDB not loaded), not the SQL.
      if (err.clickhouseCode === undefined) return unavailable(err.message);
      return GatewayError.invalid('sql', err.message);
    default:
      // Engine errors, which are mostly the user's SQL (unknown column, types, syntax).
      return GatewayError.invalid('sql', err.message);
  }
}

/** An export's limits have their own keys (analytics.export_*); memory is shared with queries. */
function exportLimitError(kind: string, config: AnalyticsConfig): { code: string; text: string } | undefined {
  switch (kind) {
    case 'too_many_rows':
      return {
        code: 'result_too_many_rows',
        text: `The export has more than ${config.export_max_rows} rows (analytics.export_max_rows). Narrow it with since, until, model or user.`,
      };
    case 'result_too_large':
      return {
        code: 'result_too_large',
        text: `The export is larger than ${config.export_max_mb} MB (analytics.export_max_mb). Narrow it with since, until, model or user.`,
      };
    case 'timeout':
      return {
        code: 'query_timeout',
        text: `The export ran longer than ${config.export_timeout_s} s (analytics.export_timeout_s). Narrow it with since, until, model or user.`,
      };
    default:
      return undefined;
  }
}
