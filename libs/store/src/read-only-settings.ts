import type { ReadOnlyQueryOptions } from '@lessllm/shared';
import { StoreQueryError } from './store-query-error';

export const DEFAULT_MAX_ROWS = 10_000;
export const DEFAULT_TIMEOUT_SECONDS = 30;
export const DEFAULT_MAX_RESULT_BYTES = 100 * 1024 * 1024;
export const DEFAULT_MAX_MEMORY_BYTES = 1024 * 1024 * 1024;

export interface ReadOnlyLimits {
  maxRows: number;
  timeoutSeconds: number;
  maxResultBytes: number;
  maxMemoryBytes: number;
  maxThreads?: number;
  priority?: number;
}

function positiveInteger(name: keyof ReadOnlyQueryOptions, value: number | undefined, fallback: number): number {
  const chosen = value ?? fallback;
  // 0 would mean "unlimited" to ClickHouse.
  if (!Number.isSafeInteger(chosen) || chosen < 1) {
    throw new StoreQueryError(`${name} must be a positive integer (got ${chosen})`, 'invalid_options');
  }
  return chosen;
}

/** Applies the port's defaults and refuses nonsense. */
export function resolveLimits(options: ReadOnlyQueryOptions = {}): ReadOnlyLimits {
  const timeoutSeconds = options.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS;
  if (!Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0) {
    throw new StoreQueryError(`timeoutSeconds must be a positive number (got ${timeoutSeconds})`, 'invalid_options');
  }
  return {
    maxRows: positiveInteger('maxRows', options.maxRows, DEFAULT_MAX_ROWS),
    timeoutSeconds,
    maxResultBytes: positiveInteger('maxResultBytes', options.maxResultBytes, DEFAULT_MAX_RESULT_BYTES),
    maxMemoryBytes: positiveInteger('maxMemoryBytes', options.maxMemoryBytes, DEFAULT_MAX_MEMORY_BYTES),
    maxThreads: options.maxThreads === undefined ? undefined : positiveInteger('maxThreads', options.maxThreads, 1),
    priority: options.priority === undefined ? undefined : positiveInteger('priority', options.priority, 1),
  };
}

/**
 * The engine-side guard for users' queries, as one ordered batch. `readonly` comes LAST and is 1, not 2:
 * ClickHouse checks a batch of setting changes against the settings in force before the batch, so the limits in
 * the same batch are accepted, and once readonly=1 is in force nothing (SET, SETTINGS, a smuggled second
 * statement) can change them. readonly=2 would still allow `INSERT INTO FUNCTION file(...)` and reading
 * file()/url() — verified on chDB 26.7, where readonly=1 refuses both. Against a server's query user whose
 * profile already has readonly=1 the same values are accepted (same-value changes are allowed; the limits are
 * `changeable_in_readonly` within the profile's bounds, deploy/compose/clickhouse-users.xml).
 */
export function readOnlySettings(limits: ReadOnlyLimits): Record<string, string | number> {
  return {
    // 64-bit integers (count(), sum()) as JSON numbers on both engines (the server's default quotes them, chDB's
    // does not). Values above 2^53 lose precision in JS: select toString(x) for such columns.
    output_format_json_quote_64bit_integers: 0,
    max_execution_time: limits.timeoutSeconds,
    max_result_rows: String(limits.maxRows),
    max_result_bytes: String(limits.maxResultBytes),
    result_overflow_mode: 'throw',
    max_memory_usage: String(limits.maxMemoryBytes),
    ...(limits.maxThreads === undefined ? {} : { max_threads: limits.maxThreads }),
    ...(limits.priority === undefined ? {} : { priority: limits.priority }),
    // chDB turns introspection functions on by default (addressToSymbol, demangle, ...).
    allow_introspection_functions: 0,
    readonly: '1',
  };
}

/** A setting value as ClickHouse SQL: numbers bare, everything else a quoted string. */
function settingLiteral(value: string | number): string {
  if (typeof value === 'number' || /^\d+$/.test(value)) return String(value);
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** The same settings as one `SET` statement, for a chDB connection dedicated to one read-only query. */
export function readOnlySetStatement(limits: ReadOnlyLimits): string {
  const assignments = Object.entries(readOnlySettings(limits)).map(([k, v]) => `${k} = ${settingLiteral(v)}`);
  return `SET ${assignments.join(', ')}`;
}
