import type { ExportFormat, ReadOnlyQueryOptions } from '@lessllm/shared';
import { clickHouseFormatFor } from './export-format';
import { collectJsonRows } from './json-lines';
import { resolveLimits } from './read-only-settings';
import { validateReadOnlySql } from './read-only-sql';
import type { ClickHouseOutputFormat, ReadOnlyRunner } from './sql-executor';

/** An engine's read-only side: its runner and the database users' unqualified names resolve in. */
export interface ReadOnlyEngine {
  run: ReadOnlyRunner;
  database: string;
}

/**
 * Validates the user's text, lets the engine re-format it and validates that too (so a trick only ClickHouse's
 * parser sees, e.g. an escape in a quoted name or FROM-first syntax, is caught in the canonical form), then runs
 * the canonical form under the limits. Errors (validation included) surface on iteration.
 */
function runSandboxed(
  engine: ReadOnlyEngine,
  sql: string,
  format: ClickHouseOutputFormat,
  options?: ReadOnlyQueryOptions,
): AsyncIterable<Uint8Array> {
  const sandbox = { database: engine.database };
  const text = validateReadOnlySql(sql, sandbox);
  const limits = resolveLimits(options);
  return engine.run(text, format, limits, (formatted) => validateReadOnlySql(formatted, sandbox));
}

/** CallStore.queryReadOnly on top of an engine: rows as objects, bounded in rows and bytes. */
export async function queryReadOnlyWith(
  engine: ReadOnlyEngine,
  sql: string,
  options?: ReadOnlyQueryOptions,
): Promise<Record<string, unknown>[]> {
  const limits = resolveLimits(options);
  return collectJsonRows(runSandboxed(engine, sql, 'JSONEachRow', options), limits);
}

/** CallStore.exportReadOnly on top of an engine. */
export async function* exportReadOnlyWith(
  engine: ReadOnlyEngine,
  sql: string,
  format: ExportFormat,
  options?: ReadOnlyQueryOptions,
): AsyncGenerator<Uint8Array> {
  yield* runSandboxed(engine, sql, clickHouseFormatFor(format), options);
}
