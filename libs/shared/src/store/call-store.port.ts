import type { ApiCallRow } from './api-call-row';
import type { InsertCallsOptions } from './rollup.port';

export type ExportFormat = 'parquet' | 'csv' | 'jsonl';

export interface ReadOnlyQueryOptions {
  /** Rows returned at most (ClickHouse max_result_rows, overflow = error). Default 10,000. */
  maxRows?: number;
  /** Seconds the query may run (max_execution_time). Default 30. */
  timeoutSeconds?: number;
  /** Result size at most, in bytes (max_result_bytes, and the bytes read back). Default 100 MiB. */
  maxResultBytes?: number;
  /** Memory the query may use in the engine (max_memory_usage). Default 1 GiB. */
  maxMemoryBytes?: number;
  /** Engine threads for the query (max_threads); unset: the engine's default. */
  maxThreads?: number;
  /** ClickHouse query priority (1 = highest; higher waits for lower); unset: none. */
  priority?: number;
}

/**
 * The call-record store: ClickHouse, either a server (@clickhouse/client) or the embedded chDB engine.
 * The same SQL text (migrations, queries) runs on both.
 */
export interface CallStore {
  readonly kind: 'chdb' | 'clickhouse';
  /** Applies pending numbered migrations; returns the ids applied now. Safe to run repeatedly and concurrently. */
  migrate(): Promise<string[]>;
  /**
   * Inserts rows whose request_id is not stored yet; returns how many were new. Idempotent. When the batch holds
   * stored or `options.redelivered` rows (a retry after a crash), their hours' rollup is recomputed too.
   */
  insertCalls(rows: ApiCallRow[], options?: InsertCallsOptions): Promise<number>;
  /** Runs one read-only SELECT/WITH statement under readonly settings and limits; rows as objects. */
  queryReadOnly(sql: string, options?: ReadOnlyQueryOptions): Promise<Record<string, unknown>[]>;
  /** Runs one read-only statement and streams its result in the given format. */
  exportReadOnly(sql: string, format: ExportFormat, options?: ReadOnlyQueryOptions): AsyncIterable<Uint8Array>;
  /** True when the store answers. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

export const CALL_STORE = Symbol('CALL_STORE');
