import type { ExportFormat, ReadOnlyQueryOptions } from '@lessllm/shared';
import { clickHouseFormatFor } from './export-format';
import { collectJsonRows } from './json-lines';
import { resolveLimits } from './read-only-settings';
import { validateReadOnlySql } from './read-only-sql';
import type { ReadOnlyRunner } from './sql-executor';

/** CallStore.queryReadOnly on top of an engine's runner: validate, run under limits, rows as objects. */
export async function queryReadOnlyWith(
  run: ReadOnlyRunner,
  sql: string,
  options?: ReadOnlyQueryOptions,
): Promise<Record<string, unknown>[]> {
  const text = validateReadOnlySql(sql);
  const limits = resolveLimits(options);
  return collectJsonRows(run(text, 'JSONEachRow', limits), limits.maxRows);
}

/** CallStore.exportReadOnly on top of an engine's runner. Errors (validation included) surface on iteration. */
export async function* exportReadOnlyWith(
  run: ReadOnlyRunner,
  sql: string,
  format: ExportFormat,
  options?: ReadOnlyQueryOptions,
): AsyncGenerator<Uint8Array> {
  const text = validateReadOnlySql(sql);
  const limits = resolveLimits(options);
  yield* run(text, clickHouseFormatFor(format), limits);
}
