import type { CallStore, ExportFormat } from '@lessllm/shared';
import { CALL_STORE, GatewayError } from '@lessllm/shared';
import { checkDate, exportSql, usageStatsSql, type ExportFilters } from '@lessllm/store';
import { Inject, Injectable } from '@nestjs/common';

/** Errors the store raises for bad SQL carry this name (see @lessllm/store StoreQueryError). */
const isStoreQueryError = (err: unknown): err is Error => err instanceof Error && err.name === 'StoreQueryError';

/** SQL, usage stats and exports over `api_calls`, on whichever store is configured. */
@Injectable()
export class AnalyticsService {
  constructor(@Inject(CALL_STORE) private readonly store: CallStore) {}

  async query(sql: unknown, maxRows?: unknown): Promise<{ rows: Record<string, unknown>[]; row_count: number }> {
    if (typeof sql !== 'string' || sql.trim() === '')
      throw GatewayError.invalid('sql', 'Send {"sql": "SELECT ..."}: one SELECT or WITH statement.');
    const limit = maxRows === undefined ? undefined : Number(maxRows);
    if (limit !== undefined && (!Number.isInteger(limit) || limit < 1 || limit > 1_000_000)) {
      throw GatewayError.invalid('max_rows', 'max_rows must be an integer between 1 and 1000000.');
    }
    const rows = await this.run(() => this.store.queryReadOnly(sql, { maxRows: limit }));
    return { rows, row_count: rows.length };
  }

  async usage(daysParam: unknown): Promise<{ days: number; rows: Record<string, unknown>[] }> {
    const days = daysParam === undefined ? 7 : Number(daysParam);
    if (!Number.isInteger(days) || days < 1 || days > 3650)
      throw GatewayError.invalid('days', 'days must be an integer between 1 and 3650.');
    const rows = await this.run(() => this.store.queryReadOnly(usageStatsSql(days), { maxRows: 100_000 }));
    return { days, rows };
  }

  exportCalls(format: unknown, filters: ExportFilters): { format: ExportFormat; body: AsyncIterable<Uint8Array> } {
    const chosen = (format ?? 'jsonl') as ExportFormat;
    if (!['parquet', 'csv', 'jsonl'].includes(chosen))
      throw GatewayError.invalid('format', 'format must be parquet, csv or jsonl.');
    for (const [name, value] of [
      ['since', filters.since],
      ['until', filters.until],
    ] as const) {
      const problem = checkDate(name, value);
      if (problem) throw GatewayError.invalid(name, problem);
    }
    return {
      format: chosen,
      body: this.store.exportReadOnly(exportSql(filters), chosen, { maxRows: 100_000_000, timeoutSeconds: 3600 }),
    };
  }

  private async run<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (isStoreQueryError(err)) throw GatewayError.invalid('sql', err.message);
      throw new GatewayError(
        'store_unavailable',
        `The call store did not answer: ${(err as Error).message}`.slice(0, 500),
      );
    }
  }
}
