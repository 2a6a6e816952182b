import type { ReadOnlyQueryOptions } from '@lessllm/shared';
import { StoreQueryError } from './store-query-error';

export const DEFAULT_MAX_ROWS = 10_000;
export const DEFAULT_TIMEOUT_SECONDS = 30;

export interface ReadOnlyLimits {
  maxRows: number;
  timeoutSeconds: number;
}

/** Applies the port's defaults and refuses nonsense (0 rows would mean "unlimited" to ClickHouse). */
export function resolveLimits(options: ReadOnlyQueryOptions = {}): ReadOnlyLimits {
  const maxRows = options.maxRows ?? DEFAULT_MAX_ROWS;
  const timeoutSeconds = options.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS;
  if (!Number.isSafeInteger(maxRows) || maxRows < 1) {
    throw new StoreQueryError(`maxRows must be a positive integer (got ${maxRows})`, 'invalid_options');
  }
  if (!Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0) {
    throw new StoreQueryError(`timeoutSeconds must be a positive number (got ${timeoutSeconds})`, 'invalid_options');
  }
  return { maxRows, timeoutSeconds };
}

/**
 * The engine-side guard for users' queries. `readonly` comes LAST and is 1, not 2: ClickHouse checks a batch
 * of setting changes against the settings in force before the batch, so the limits in the same batch are
 * accepted, and once readonly=1 is in force nothing (SET, SETTINGS, a smuggled second statement) can change
 * them back. readonly=2 would still allow `INSERT INTO FUNCTION file(...)` and reading file()/url() — verified
 * on chDB 26.7, where readonly=1 refuses both.
 */
export function readOnlySettings(limits: ReadOnlyLimits) {
  return {
    // 64-bit integers (count(), sum()) as JSON numbers on both engines (the server's default quotes them, chDB's
    // does not). Values above 2^53 lose precision in JS: select toString(x) for such columns.
    output_format_json_quote_64bit_integers: 0,
    max_execution_time: limits.timeoutSeconds,
    max_result_rows: String(limits.maxRows),
    result_overflow_mode: 'throw',
    readonly: '1',
  } as const;
}

/** The same settings as one `SET` statement, for a chDB connection dedicated to one read-only query. */
export function readOnlySetStatement(limits: ReadOnlyLimits): string {
  const s = readOnlySettings(limits);
  return (
    `SET output_format_json_quote_64bit_integers = ${s.output_format_json_quote_64bit_integers}, ` +
    `max_execution_time = ${s.max_execution_time}, max_result_rows = ${s.max_result_rows}, ` +
    `result_overflow_mode = '${s.result_overflow_mode}', readonly = ${s.readonly}`
  );
}
