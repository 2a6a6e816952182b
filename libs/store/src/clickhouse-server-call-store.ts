import { createClient, type ClickHouseClient, type ClickHouseClientConfigOptions } from '@clickhouse/client';
import type {
  ApiCallRow,
  CallStore,
  ExportFormat,
  InsertCallsOptions,
  ReadOnlyQueryOptions,
  RollupDrift,
  RollupMaintenance,
  RollupRepair,
  RollupScope,
  RollupStats,
} from '@lessllm/shared';
import type { Readable } from 'node:stream';
import { ClickHouseServerExecutor } from './clickhouse-server-executor';
import { Migrator } from './migrations/migrator';
import { exportReadOnlyWith, queryReadOnlyWith, type ReadOnlyEngine } from './read-only-queries';
import { readOnlySettings, type ReadOnlyLimits } from './read-only-settings';
import { RollupKeeper } from './rollup/rollup-keeper';
import { SerialQueue } from './serial-queue';
import { FORMAT_QUERY_SQL, type ClickHouseOutputFormat } from './sql-executor';
import { toStoreQueryError } from './store-query-error';

export interface ClickHouseServerOptions {
  /** e.g. http://localhost:8123 */
  url: string;
  username?: string;
  password?: string;
  /** Database holding api_calls; it must exist. Default: the server's default database. */
  database?: string;
  /**
   * A dedicated read-only user for users' queries (deploy/compose/clickhouse-users.xml `lessllm_query`: readonly
   * profile, SELECT on the LessLLM tables only). Unset: read-only queries use `username` with per-request
   * readonly settings, on their own connection pool all the same.
   */
  queryUsername?: string;
  queryPassword?: string;
  /**
   * HTTP request timeout in ms (default 60,000). It bounds every request, so keep it above the largest
   * timeoutSeconds given to queryReadOnly/exportReadOnly. Above 60 s the client sends progress headers
   * so that load balancers do not drop a quiet connection.
   */
  requestTimeoutMs?: number;
}

const DEFAULT_REQUEST_TIMEOUT_MS = 60_000;
const WRITER_PRIORITY = '1';

/**
 * CallStore on a ClickHouse server (24.x+) over HTTP via @clickhouse/client. The server runs exactly one
 * statement per request; users' queries carry readonly=1 and the limits as per-request settings.
 */
export class ClickHouseServerCallStore implements CallStore, RollupMaintenance {
  readonly kind = 'clickhouse' as const;
  private readonly client: ClickHouseClient;
  /** Users' read-only queries: their own connections (and user, when given), so they never hold the writer's. */
  private readonly readClient: ClickHouseClient;
  private readonly db: ClickHouseServerExecutor;
  /** Writes from this process run one at a time so the check-then-insert of insertCalls is exact within it. */
  private readonly writes = new SerialQueue();
  private readonly rollup = new RollupKeeper();
  private readonly readOnly: ReadOnlyEngine;

  constructor(options: ClickHouseServerOptions) {
    const requestTimeout = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    const common: ClickHouseClientConfigOptions = {
      url: options.url,
      database: options.database,
      request_timeout: requestTimeout,
      application: 'lessllm',
      clickhouse_settings:
        requestTimeout > DEFAULT_REQUEST_TIMEOUT_MS
          ? { send_progress_in_http_headers: 1, http_headers_progress_interval_ms: '50000' }
          : {},
    };
    this.client = createClient({
      ...common,
      // Ingestion at priority 1: analytics queries (analytics.priority, 10) pause while it runs.
      clickhouse_settings: { ...common.clickhouse_settings, priority: WRITER_PRIORITY },
      username: options.username,
      password: options.password,
    });
    this.readClient = createClient({
      ...common,
      username: options.queryUsername ?? options.username,
      password: options.queryUsername ? options.queryPassword : options.password,
    });
    this.db = new ClickHouseServerExecutor(this.client);
    this.readOnly = {
      database: options.database ?? 'default',
      run: (sql, format, limits, recheck) => this.readOnlyChunks(sql, format, limits, recheck),
    };
  }

  migrate(): Promise<string[]> {
    return this.writes.run(() => new Migrator(this.db).migrate());
  }

  insertCalls(rows: ApiCallRow[], options?: InsertCallsOptions): Promise<number> {
    return this.writes.run(() => this.rollup.insertCalls(this.db, rows, options));
  }

  checkRollup(scope: RollupScope): Promise<RollupDrift[]> {
    return this.writes.run(() => this.rollup.check(this.db, scope));
  }

  repairRollup(scope: RollupScope): Promise<RollupRepair> {
    return this.writes.run(() => this.rollup.repair(this.db, scope));
  }

  rollupStats(): RollupStats {
    return this.rollup.snapshot();
  }

  queryReadOnly(sql: string, options?: ReadOnlyQueryOptions): Promise<Record<string, unknown>[]> {
    return queryReadOnlyWith(this.readOnly, sql, options);
  }

  exportReadOnly(sql: string, format: ExportFormat, options?: ReadOnlyQueryOptions): AsyncIterable<Uint8Array> {
    return exportReadOnlyWith(this.readOnly, sql, format, options);
  }

  async ping(): Promise<boolean> {
    // A SELECT, not /ping, so that wrong credentials show as unhealthy.
    const result = await this.client.ping({ select: true });
    return result.success;
  }

  async close(): Promise<void> {
    await this.writes.run(() => Promise.resolve());
    await Promise.all([this.client.close(), this.readClient.close()]);
  }

  /**
   * wait_end_of_query=1 makes the server buffer the result before answering, so a limit or timeout hit
   * half-way arrives as an HTTP error instead of an exception text appended to a 200 response body.
   */
  private async *readOnlyChunks(
    sql: string,
    format: ClickHouseOutputFormat,
    limits: ReadOnlyLimits,
    recheck: (formatted: string) => string,
  ): AsyncGenerator<Uint8Array> {
    let stream: Readable | undefined;
    const settings = readOnlySettings(limits);
    try {
      const formatted = await this.readClient.query({
        query: FORMAT_QUERY_SQL,
        query_params: { sql },
        format: 'JSONEachRow',
        clickhouse_settings: settings,
      });
      const [row] = await formatted.json<{ sql: string }>();
      const canonical = recheck(row.sql);
      const result = await this.readClient.exec({
        query: `${canonical}\nFORMAT ${format}`,
        clickhouse_settings: { ...settings, wait_end_of_query: 1 },
      });
      stream = result.stream;
      for await (const chunk of stream as AsyncIterable<Buffer>) yield chunk;
    } catch (err) {
      throw toStoreQueryError(err, 'ClickHouse refused the query');
    } finally {
      stream?.destroy();
    }
  }
}
