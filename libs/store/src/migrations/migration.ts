/**
 * One numbered schema change. Every statement is a single ClickHouse statement (the HTTP interface runs one
 * per request) that runs unchanged on chDB and on a ClickHouse server (24.x+), and is idempotent
 * (IF [NOT] EXISTS), so a re-run after a crash or a concurrent run by another process does no harm.
 */
export interface Migration {
  /** Sortable id, e.g. '0001_api_calls'. */
  readonly id: string;
  readonly up: readonly string[];
  /** Rollback, in order. */
  readonly down: readonly string[];
}
