import type { ClickHouseClient } from '@clickhouse/client';
import { INSERT_SETTINGS } from './insert-settings';
import type { SqlExecutor } from './sql-executor';

/** SqlExecutor over @clickhouse/client (HTTP): one statement per request. */
export class ClickHouseServerExecutor implements SqlExecutor {
  constructor(private readonly client: ClickHouseClient) {}

  async command(sql: string): Promise<void> {
    await this.client.command({ query: sql });
  }

  async select<T extends object>(sql: string, params?: Record<string, unknown>): Promise<T[]> {
    const result = await this.client.query({ query: sql, format: 'JSONEachRow', query_params: params });
    return result.json<T>();
  }

  async insertJson(table: string, rows: readonly object[]): Promise<void> {
    if (rows.length === 0) return;
    await this.client.insert({ table, values: [...rows], format: 'JSONEachRow', clickhouse_settings: INSERT_SETTINGS });
  }
}
