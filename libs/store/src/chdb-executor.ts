import type { Session } from 'chdb';
import { INSERT_SETTINGS } from './insert-settings';
import { parseJsonLines, toJsonLines } from './parse-json-lines';
import type { SqlExecutor } from './sql-executor';

/** SqlExecutor over one chDB Session, async API only (the work runs on libuv threads, not the event loop). */
export class ChdbSqlExecutor implements SqlExecutor {
  constructor(private readonly session: Session) {}

  async command(sql: string): Promise<void> {
    await this.session.queryAsync(sql, { format: 'TabSeparated' });
  }

  async select<T extends object>(sql: string, params?: Record<string, unknown>): Promise<T[]> {
    const result = params
      ? await this.session.queryBindAsync(sql, params, { format: 'JSONEachRow' })
      : await this.session.queryAsync(sql, { format: 'JSONEachRow' });
    return parseJsonLines<T>(result.text());
  }

  async insertJson(table: string, rows: readonly object[]): Promise<void> {
    if (rows.length === 0) return;
    await this.session.insert({
      table,
      values: Buffer.from(toJsonLines(rows)),
      format: 'JSONEachRow',
      settings: INSERT_SETTINGS,
    });
  }
}
