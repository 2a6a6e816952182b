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
// Types only: the chdb module (and its ~500 MB native library) is loaded by open(), never at import time.
import type * as Chdb from 'chdb';
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { ChdbSqlExecutor } from './chdb-executor';
import { dropRepeatedCsvHeaders } from './csv-header';
import { Migrator } from './migrations/migrator';
import { exportReadOnlyWith, queryReadOnlyWith, type ReadOnlyEngine } from './read-only-queries';
import { readOnlySetStatement, type ReadOnlyLimits } from './read-only-settings';
import { RollupKeeper } from './rollup/rollup-keeper';
import { SerialQueue } from './serial-queue';
import { FORMAT_QUERY_SQL, type ClickHouseOutputFormat } from './sql-executor';
import { StoreQueryError, toStoreQueryError } from './store-query-error';

type ChdbModule = typeof Chdb;

interface Engine {
  chdb: ChdbModule;
  writer: Chdb.Session;
  db: ChdbSqlExecutor;
}

const PARQUET_SLICE_BYTES = 1 << 20;

/**
 * The writer's queries (ingestion) run at ClickHouse priority 1: while one runs, the analytics queries (priority
 * analytics.priority, 10 by default) pause, so they cannot starve ingestion of the engine's threads.
 */
const WRITER_SETTINGS = 'SET priority = 1';

async function openEngine(dataDir: string): Promise<Engine> {
  await mkdir(dataDir, { recursive: true });
  let chdb: ChdbModule;
  try {
    chdb = await import('chdb');
  } catch (err) {
    throw toStoreQueryError(err, 'loading the embedded ClickHouse engine (chdb) failed');
  }
  try {
    const writer = new chdb.Session(dataDir);
    await writer.queryAsync(WRITER_SETTINGS, { format: 'TabSeparated' });
    return { chdb, writer, db: new ChdbSqlExecutor(writer) };
  } catch (err) {
    throw toStoreQueryError(err, `opening the chDB data directory ${dataDir} failed`);
  }
}

async function* streamChunks(stream: Chdb.ChdbQueryStream): AsyncGenerator<Uint8Array> {
  for await (const chunk of stream) yield chunk.raw();
}

function* slices(bytes: Uint8Array): Generator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += PARQUET_SLICE_BYTES) yield bytes.subarray(i, i + PARQUET_SLICE_BYTES);
}

/**
 * CallStore on the embedded ClickHouse engine (chDB), persisted in `dataDir` (database `default`, so users'
 * `FROM api_calls` resolves). Only chDB's async API is used, so queries run off the event loop. chDB binds
 * one data directory per process: use one store (one dataDir) per process.
 */
export class ChdbCallStore implements CallStore, RollupMaintenance {
  readonly kind = 'chdb' as const;
  readonly dataDir: string;
  private engine?: Promise<Engine>;
  private closed = false;
  /** Writes run one at a time so the check-then-insert of insertCalls is exact within this process. */
  private readonly writes = new SerialQueue();
  private readonly rollup = new RollupKeeper();
  private readonly readOnly: ReadOnlyEngine = {
    database: 'default',
    run: (sql, format, limits, recheck) => this.readOnlyChunks(sql, format, limits, recheck),
  };

  constructor(dataDir: string) {
    this.dataDir = resolve(dataDir);
  }

  /** Loads chDB and opens the data directory; the other methods call it, call it early to fail fast. */
  async open(): Promise<void> {
    await this.connect();
  }

  migrate(): Promise<string[]> {
    return this.write((db) => new Migrator(db).migrate());
  }

  insertCalls(rows: ApiCallRow[], options?: InsertCallsOptions): Promise<number> {
    return this.write((db) => this.rollup.insertCalls(db, rows, options));
  }

  checkRollup(scope: RollupScope): Promise<RollupDrift[]> {
    return this.write((db) => this.rollup.check(db, scope));
  }

  repairRollup(scope: RollupScope): Promise<RollupRepair> {
    return this.write((db) => this.rollup.repair(db, scope));
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
    try {
      await (await this.connect()).writer.queryAsync('SELECT 1');
      return true;
    } catch {
      return false;
    }
  }

  /** Finishes queued writes, closes the connection and waits until chDB has really released it. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const engine = await this.engine?.catch(() => undefined);
    await this.writes.run(() => Promise.resolve());
    if (!engine) return;
    engine.writer.close();
    await engine.chdb.drainPending();
  }

  /** Queues a write; the engine is taken now, so writes accepted before close() still run. */
  private write<T>(task: (db: ChdbSqlExecutor) => Promise<T>): Promise<T> {
    const engine = this.connect();
    engine.catch(() => undefined); // awaited in the task; this only keeps a queued rejection from being "unhandled"
    return this.writes.run(async () => task((await engine).db));
  }

  private connect(): Promise<Engine> {
    if (this.closed) return Promise.reject(new StoreQueryError('the chDB call store is closed', 'engine'));
    this.engine ??= openEngine(this.dataDir).catch((err: unknown) => {
      this.engine = undefined; // let a later call retry
      throw err;
    });
    return this.engine;
  }

  /**
   * Each read-only query gets its own connection to the same data directory (chDB lets same-path connections
   * coexist, ~1 ms to open). The limits and readonly=1 are SET on that connection first, so they hold for
   * everything it runs — a second statement smuggled past the validator included — and never leak into the
   * writer's connection or another query's. Being its own connection it also never waits behind the writer's
   * inserts, and its max_threads / priority leave the writer room.
   */
  private async *readOnlyChunks(
    sql: string,
    format: ClickHouseOutputFormat,
    limits: ReadOnlyLimits,
    recheck: (formatted: string) => string,
  ): AsyncGenerator<Uint8Array> {
    const { chdb } = await this.connect();
    let session: Chdb.Session | undefined;
    try {
      session = new chdb.Session(this.dataDir);
      await session.queryAsync(readOnlySetStatement(limits), { format: 'TabSeparated' });
      const formatted = await session.queryBindAsync(FORMAT_QUERY_SQL, { sql }, { format: 'JSONEachRow' });
      const canonical = recheck((JSON.parse(formatted.text()) as { sql: string }).sql);
      if (format === 'Parquet') {
        // chDB's stream API formats each chunk as a whole Parquet file; concatenated they are not one file.
        yield* slices((await session.queryAsync(canonical, { format })).bytes());
      } else {
        const chunks = streamChunks(session.queryStream(canonical, { format }));
        yield* format === 'CSVWithNames' ? dropRepeatedCsvHeaders(chunks) : chunks;
      }
    } catch (err) {
      throw toStoreQueryError(err, 'ClickHouse (chDB) refused the query');
    } finally {
      session?.close();
    }
  }
}
