import type { AnalyticsConfig, CallStore, ExportFormat, LoadedConfig } from '@lessllm/shared';
import { CALL_STORE, GatewayError } from '@lessllm/shared';
import { checkDate, collectJsonArray, exportSql, usageStatsSql, type ExportFilters } from '@lessllm/store';
import { Inject, Injectable } from '@nestjs/common';
import { analyticsError, DEFAULT_QUERY_ROWS, exportOptions, queryOptions } from './analytics-limits';
import { ANALYTICS_CONFIG } from './analytics.tokens';
import { GateBusyError, QueryGate } from './query-gate';

/** A query's answer as JSON text pieces: `{"rows":[...],"row_count":N}`, the rows exactly as ClickHouse wrote them. */
export interface QueryAnswer {
  body: Uint8Array[];
  rowCount: number;
}

const USAGE_MAX_ROWS = 100_000;

/**
 * SQL, usage stats and exports over `api_calls`, on whichever store is configured. Every request takes a slot of
 * one QueryGate (analytics.max_concurrent), and every query runs under the analytics limits.
 */
@Injectable()
export class AnalyticsService {
  private readonly config: AnalyticsConfig;
  private readonly gate: QueryGate;

  constructor(
    @Inject(CALL_STORE) private readonly store: CallStore,
    @Inject(ANALYTICS_CONFIG) loaded: LoadedConfig,
  ) {
    this.config = loaded.config.analytics;
    this.gate = new QueryGate({
      maxConcurrent: this.config.max_concurrent,
      maxQueued: this.config.max_queued,
      queueTimeoutMs: this.config.queue_timeout_s * 1000,
    });
  }

  /**
   * Runs users' SQL. The result is read as JSONEachRow bytes, bounded in rows and bytes, and answered as those
   * bytes: no object per row is built, so a 100 MB result costs about 100 MB here, not several times that.
   */
  async query(sql: unknown, maxRowsParam?: unknown): Promise<QueryAnswer> {
    if (typeof sql !== 'string' || sql.trim() === '')
      throw GatewayError.invalid('sql', 'Send {"sql": "SELECT ..."}: one SELECT or WITH statement.');
    const cap = this.config.max_result_rows;
    const maxRows = maxRowsParam === undefined ? Math.min(DEFAULT_QUERY_ROWS, cap) : Number(maxRowsParam);
    if (!Number.isInteger(maxRows) || maxRows < 1 || maxRows > cap) {
      throw GatewayError.invalid(
        'max_rows',
        `max_rows must be an integer between 1 and ${cap} (analytics.max_result_rows).`,
      );
    }
    const options = queryOptions(this.config, maxRows);
    const result = await this.inSlot(maxRows, () =>
      collectJsonArray(this.store.exportReadOnly(sql, 'jsonl', options), {
        maxRows,
        maxResultBytes: options.maxResultBytes ?? 0,
      }),
    );
    return {
      body: [Buffer.from('{"rows":'), ...result.body, Buffer.from(`,"row_count":${result.rows}}`)],
      rowCount: result.rows,
    };
  }

  async usage(daysParam: unknown): Promise<{ days: number; rows: Record<string, unknown>[] }> {
    const days = daysParam === undefined ? 7 : Number(daysParam);
    if (!Number.isInteger(days) || days < 1 || days > 3650)
      throw GatewayError.invalid('days', 'days must be an integer between 1 and 3650.');
    const options = queryOptions(this.config, USAGE_MAX_ROWS);
    const rows = await this.inSlot(USAGE_MAX_ROWS, () => this.store.queryReadOnly(usageStatsSql(days), options));
    return { days, rows };
  }

  /**
   * Takes a slot and reads the first chunk before answering (so a busy API or a limit hit at once is a 503/400,
   * not a broken download). The body releases the slot when it ends; `release` (idempotent) is for a response
   * closed before the body was read at all.
   */
  async exportCalls(
    format: unknown,
    filters: ExportFilters,
  ): Promise<{ format: ExportFormat; body: AsyncIterable<Uint8Array>; release: () => void }> {
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
    const releaseSlot = await this.slot();
    const stream = this.store.exportReadOnly(exportSql(filters), chosen, exportOptions(this.config));
    const chunks = stream[Symbol.asyncIterator]();
    // Idempotent; also ends the engine's query when the response closes before the body was read.
    const release = (): void => {
      releaseSlot();
      void chunks.return?.();
    };
    // The first chunk before answering: a limit or an error hit before any output is a 400/503 naming it, not
    // a 200 whose download breaks. One hit later cuts the download (it streams).
    let first: IteratorResult<Uint8Array>;
    try {
      first = await chunks.next();
    } catch (err) {
      release();
      throw analyticsError(err, this.config, this.config.export_max_rows, 'export');
    }
    async function* body(): AsyncGenerator<Uint8Array> {
      try {
        for (let next = first; !next.done; next = await chunks.next()) yield next.value;
      } finally {
        release();
      }
    }
    return { format: chosen, body: body(), release };
  }

  private async slot(): Promise<() => void> {
    try {
      return await this.gate.acquire();
    } catch (err) {
      if (err instanceof GateBusyError)
        throw new GatewayError(
          'store_unavailable',
          `Analytics is busy: ${err.message}. Retry shortly.`,
          null,
          'analytics_busy',
        );
      throw err;
    }
  }

  private async inSlot<T>(maxRows: number, work: () => Promise<T>): Promise<T> {
    const release = await this.slot();
    try {
      return await work();
    } catch (err) {
      throw analyticsError(err, this.config, maxRows);
    } finally {
      release();
    }
  }
}
