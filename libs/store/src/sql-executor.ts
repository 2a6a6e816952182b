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

/**
 * Runs one read-only query under the given limits; yields the formatted result bytes. Before it runs, the
 * engine re-formats the validated text (formatQuerySingleLine, on the same limited connection) and `recheck`
 * validates that formatting and returns what to run: what runs is what ClickHouse itself parsed, re-checked.
 */
export type ReadOnlyRunner = (
  sql: string,
  format: ClickHouseOutputFormat,
  limits: ReadOnlyLimits,
  recheck: (formatted: string) => string,
) => AsyncIterable<Uint8Array>;

/** How the engines ask ClickHouse to re-format a query without running it (the text is bound, not spliced). */
export const FORMAT_QUERY_SQL = 'SELECT formatQuerySingleLine({sql:String}) AS sql';
