import { SerialQueue } from '../serial-queue';
import type { SqlExecutor } from '../sql-executor';
import { toStoreQueryError } from '../store-query-error';
import { MIGRATIONS } from './all';
import type { Migration } from './migration';

/**
 * Applied ids as an append-only log: rollback appends `applied = false` rather than deleting (no mutations),
 * and the latest entry per id wins.
 */
const CREATE_SCHEMA_MIGRATIONS = `
CREATE TABLE IF NOT EXISTS schema_migrations
(
    id String,
    applied Bool,
    changed_at DateTime64(6, 'UTC')
)
ENGINE = ReplacingMergeTree(changed_at)
ORDER BY id`;

const APPLIED_IDS = `
SELECT id FROM schema_migrations
GROUP BY id
HAVING argMax(applied, changed_at)
ORDER BY id`;

let lastMicros = 0;

/** Strictly increasing within the process, so an apply and a rollback in the same millisecond still order. */
function nextChangedAt(): string {
  lastMicros = Math.max(Date.now() * 1000, lastMicros + 1);
  const iso = new Date(Math.floor(lastMicros / 1000)).toISOString(); // 2024-01-01T00:00:00.000Z
  const micros = String(lastMicros % 1_000_000).padStart(6, '0');
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}.${micros}`;
}

/** Applies pending migrations in id order (check, then apply); every statement is idempotent. */
export class Migrator {
  private readonly queue = new SerialQueue();

  constructor(
    private readonly db: SqlExecutor,
    private readonly migrations: readonly Migration[] = MIGRATIONS,
  ) {
    const ids = migrations.map((m) => m.id);
    const sorted = [...ids].sort();
    if (new Set(ids).size !== ids.length || ids.some((id, i) => id !== sorted[i])) {
      throw new Error(`migration ids must be unique and in order: ${ids.join(', ')}`);
    }
  }

  /** Ids currently applied, in order. */
  async applied(): Promise<string[]> {
    await this.run('creating schema_migrations', CREATE_SCHEMA_MIGRATIONS);
    const rows = await this.db.select<{ id: string }>(APPLIED_IDS);
    return rows.map((row) => row.id);
  }

  /** Applies what is pending; returns the ids applied by this call. */
  migrate(): Promise<string[]> {
    return this.queue.run(async () => {
      const done = new Set(await this.applied());
      const appliedNow: string[] = [];
      for (const migration of this.migrations) {
        if (done.has(migration.id)) continue;
        for (const statement of migration.up) await this.run(`migration ${migration.id} failed`, statement);
        await this.record(migration.id, true);
        appliedNow.push(migration.id);
      }
      return appliedNow;
    });
  }

  /** Rolls back the last `steps` applied migrations, newest first; returns their ids. */
  rollback(steps = 1): Promise<string[]> {
    if (!Number.isSafeInteger(steps) || steps < 1)
      throw new Error(`rollback steps must be a positive integer: ${steps}`);
    return this.queue.run(async () => {
      const done = new Set(await this.applied());
      const targets = this.migrations
        .filter((m) => done.has(m.id))
        .slice(-steps)
        .reverse();
      for (const migration of targets) {
        for (const statement of migration.down) await this.run(`rollback of ${migration.id} failed`, statement);
        await this.record(migration.id, false);
      }
      return targets.map((m) => m.id);
    });
  }

  private async run(doing: string, sql: string): Promise<void> {
    try {
      await this.db.command(sql);
    } catch (err) {
      throw toStoreQueryError(err, doing);
    }
  }

  private async record(id: string, applied: boolean): Promise<void> {
    try {
      await this.db.insertJson('schema_migrations', [{ id, applied, changed_at: nextChangedAt() }]);
    } catch (err) {
      throw toStoreQueryError(err, `recording migration ${id} failed`);
    }
  }
}
