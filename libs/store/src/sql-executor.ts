import type { ReadOnlyLimits } from './read-only-settings';

/**
 * The few statement shapes the store's own code (migrations, idempotent inserts) needs, implemented once per
 * engine. Users' read-only SQL does not go through here: see ReadOnlyRunner.
 */
export interface SqlExecutor {
  /** Runs one statement that returns nothing (DDL, INSERT ... SELECT). */
  command(sql: string): Promise<void>;
  /** Runs one SELECT; `{name:Type}` placeholders are bound by the engine from `params`. */
  select<T extends object>(sql: string, params?: Record<string, unknown>): Promise<T[]>;
  /** Inserts rows (objects keyed by column name) as JSONEachRow. */
  insertJson(table: string, rows: readonly object[]): Promise<void>;
}

/** ClickHouse output format names for a validated read-only query. */
export type ClickHouseOutputFormat = 'JSONEachRow' | 'CSVWithNames' | 'Parquet';

/** Runs one validated read-only query under the given limits; yields the formatted result bytes. */
export type ReadOnlyRunner = (
  sql: string,
  format: ClickHouseOutputFormat,
  limits: ReadOnlyLimits,
) => AsyncIterable<Uint8Array>;
