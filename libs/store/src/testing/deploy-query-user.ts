import type { SettingConstraint, SettingValue } from './clickhouse-http-shim';

/**
 * The `lessllm_query` profile of deploy/compose/clickhouse-users.xml as data, for the HTTP shim (which models
 * profiles in JS). libs/store/src/deploy-query-user.spec.ts checks that this mirror and the deploy files agree.
 */
export const QUERY_USER_PROFILE: Record<string, SettingValue> = {
  readonly: 1,
  allow_ddl: 0,
  allow_introspection_functions: 0,
  max_execution_time: 30,
  max_result_rows: 100_000,
  max_result_bytes: 104_857_600,
  result_overflow_mode: 'throw',
  max_memory_usage: 1_073_741_824,
  max_threads: 1,
  priority: 10,
  max_concurrent_queries_for_user: 4,
  output_format_json_quote_64bit_integers: 0,
};

export const QUERY_USER_CONSTRAINTS: Record<string, SettingConstraint> = {
  max_execution_time: { min: 1, max: 3600, changeableInReadonly: true },
  max_result_rows: { min: 1, max: 100_000_000, changeableInReadonly: true },
  max_result_bytes: { min: 1, max: 10_737_418_240, changeableInReadonly: true },
  max_memory_usage: { min: 1, max: 4_294_967_296, changeableInReadonly: true },
  max_threads: { min: 1, max: 8, changeableInReadonly: true },
  priority: { min: 1, max: 100, changeableInReadonly: true },
};

/** The GRANT statements of the user, database `default`. */
export const QUERY_USER_GRANTS = [
  'GRANT SELECT ON default.api_calls',
  'GRANT SELECT ON default.api_calls_hourly',
  'GRANT SELECT ON system.one',
  'GRANT SELECT ON system.numbers',
  'GRANT SELECT ON system.numbers_mt',
];
