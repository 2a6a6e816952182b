import { createClient, type ClickHouseClient } from '@clickhouse/client';
import type { ApiCallRow, CallStore, ExportFormat, ReadOnlyQueryOptions } from '@lessllm/shared';
import type { Readable } from 'node:stream';
import { ClickHouseServerExecutor } from './clickhouse-server-executor';
import { insertNewRows } from './insert-rows';
import { Migrator } from './migrations/migrator';
import { exportReadOnlyWith, queryReadOnlyWith } from './read-only-queries';
import { readOnlySettings, type ReadOnlyLimits } from './read-only-settings';
import { SerialQueue } from './serial-queue';
import type { ClickHouseOutputFormat, ReadOnlyRunner } from './sql-executor';
import { toStoreQueryError } from './store-query-error';

export interface ClickHouseServerOptions {
  /** e.g. http://localhost:8123 */
  url: string;
  username?: string;
  password?: string;
  /** Database holding api_calls; it must exist. Default: the server's default database. */
  database?: string;
  /**
   * HTTP request timeout in ms (default 60,000). It bounds every request, so keep it above the largest
   * timeoutSeconds given to queryReadOnly/exportReadOnly. Above 60 s the client sends progress headers
   * so that load balancers do not drop a quiet connection.
   */
  requestTimeoutMs?: number;
}

const DEFAULT_REQUEST_TIMEOUT_MS = 60_000;

/**
 * CallStore on a ClickHouse server (24.x+) over HTTP via @clickhouse/client. The server runs exactly one
 * statement per request; users' queries carry readonly=1 and the limits as per-request settings.
 */
export class ClickHouseServerCallStore implements CallStore {
  readonly kind = 'clickhouse' as const;
  private readonly client: ClickHouseClient;
  private readonly db: ClickHouseServerExecutor;
  /** Writes from this process run one at a time so the check-then-insert of insertCalls is exact within it. */
  private readonly writes = new SerialQueue();
  private readonly runReadOnly: ReadOnlyRunner = (sql, format, limits) => this.readOnlyChunks(sql, format, limits);

  constructor(options: ClickHouseServerOptions) {
    const requestTimeout = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.client = createClient({
      url: options.url,
      username: options.username,
      password: options.password,
      database: options.database,
      request_timeout: requestTimeout,
      application: 'lessllm',
      clickhouse_settings:
        requestTimeout > DEFAULT_REQUEST_TIMEOUT_MS
          ? { send_progress_in_http_headers: 1, http_headers_progress_interval_ms: '50000' }
          : {},
    });
    this.db = new ClickHouseServerExecutor(this.client);
  }

  migrate(): Promise<string[]> {
    return this.writes.run(() => new Migrator(this.db).migrate());
  }

  insertCalls(rows: ApiCallRow[]): Promise<number> {
    return this.writes.run(() => insertNewRows(this.db, rows));
  }

  queryReadOnly(sql: string, options?: ReadOnlyQueryOptions): Promise<Record<string, unknown>[]> {
    return queryReadOnlyWith(this.runReadOnly, sql, options);
  }

  exportReadOnly(sql: string, format: ExportFormat, options?: ReadOnlyQueryOptions): AsyncIterable<Uint8Array> {
    return exportReadOnlyWith(this.runReadOnly, sql, format, options);
  }

  async ping(): Promise<boolean> {
    // A SELECT, not /ping, so that wrong credentials show as unhealthy.
    const result = await this.client.ping({ select: true });
    return result.success;
  }

  async close(): Promise<void> {
    await this.writes.run(() => Promise.resolve());
    await this.client.close();
  }

  /**
   * wait_end_of_query=1 makes the server buffer the result before answering, so a limit or timeout hit
   * half-way arrives as an HTTP error instead of an exception text appended to a 200 response body.
   */
  private async *readOnlyChunks(
    sql: string,
    format: ClickHouseOutputFormat,
    limits: ReadOnlyLimits,
  ): AsyncGenerator<Uint8Array> {
    let stream: Readable | undefined;
    try {
      // A newline before FORMAT: the user's query may end in a `--` comment.
      const result = await this.client.exec({
        query: `${sql}\nFORMAT ${format}`,
        clickhouse_settings: { ...readOnlySettings(limits), wait_end_of_query: 1 },
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
