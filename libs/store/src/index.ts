export { checkDate, exportSql, sqlString, usageStatsSql, type ExportFilters } from './analytics-sql';
export { ChdbCallStore } from './chdb-call-store';
export { ClickHouseServerCallStore, type ClickHouseServerOptions } from './clickhouse-server-call-store';
export { createCallStore, type CallStoreConfig } from './create-call-store';
export { collectJsonArray, type JsonArrayResult } from './json-lines';
export { MIGRATIONS, Migrator, apiCallsTtlStatement, type Migration } from './migrations';
export {
  DEFAULT_MAX_MEMORY_BYTES,
  DEFAULT_MAX_RESULT_BYTES,
  DEFAULT_MAX_ROWS,
  DEFAULT_TIMEOUT_SECONDS,
} from './read-only-settings';
export { validateReadOnlySql } from './read-only-sql';
export { spansOfScope, type HourSpan } from './rollup/hour-spans';
export { parseDriftRows, rollupDriftSql } from './rollup/rollup-check';
export type { SqlExecutor } from './sql-executor';
export { QUERYABLE_TABLES } from './sql-sandbox-policy';
export { StoreQueryError, type StoreErrorKind } from './store-query-error';
