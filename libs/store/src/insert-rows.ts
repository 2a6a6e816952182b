import type { ApiCallRow } from '@lessllm/shared';
import type { SqlExecutor } from './sql-executor';
import { StoreQueryError, toStoreQueryError } from './store-query-error';

/** Ids per lookup query: keeps the bound array (sent as a URL parameter to a server) well under URL limits. */
const LOOKUP_CHUNK = 1_000;
const DATE_PREFIX = /^\d{4}-\d{2}-\d{2}/;

/** First occurrence wins for a request_id repeated inside one batch. */
function dedupeBatch(rows: readonly ApiCallRow[]): ApiCallRow[] {
  const seen = new Set<string>();
  return rows.filter((row) => {
    if (typeof row.request_id !== 'string' || row.request_id === '') {
      throw new StoreQueryError('every row needs a non-empty request_id', 'invalid_options');
    }
    if (seen.has(row.request_id)) return false;
    seen.add(row.request_id);
    return true;
  });
}

/**
 * The date range of a batch, padded by a day each side (time zones, clock skew), so the lookup reads only the
 * partitions and sort-key ranges that can hold these ids. Undefined when a timestamp is not ISO-like.
 */
function dateWindow(rows: readonly ApiCallRow[]): { from: string; to: string } | undefined {
  let from: string | undefined;
  let to: string | undefined;
  for (const row of rows) {
    if (!DATE_PREFIX.test(row.timestamp)) return undefined;
    const day = row.timestamp.slice(0, 10);
    if (from === undefined || day < from) from = day;
    if (to === undefined || day > to) to = day;
  }
  return from !== undefined && to !== undefined ? { from, to } : undefined;
}

/**
 * `SELECT DISTINCT <columns>` over the stored rows with these rows' request_ids, 1,000 ids per query, each query
 * narrowed to the chunk's date window.
 */
export async function lookupStored<T extends object>(
  db: SqlExecutor,
  rows: readonly ApiCallRow[],
  columns: string,
): Promise<T[]> {
  const found: T[] = [];
  for (let i = 0; i < rows.length; i += LOOKUP_CHUNK) {
    const chunk = rows.slice(i, i + LOOKUP_CHUNK);
    const window = dateWindow(chunk);
    const sql =
      `SELECT DISTINCT ${columns} FROM api_calls WHERE request_id IN {ids:Array(String)}` +
      (window ? ' AND toDate(timestamp) BETWEEN {from:Date} - 1 AND {to:Date} + 1' : '');
    found.push(...(await db.select<T>(sql, { ids: chunk.map((row) => row.request_id), ...window })));
  }
  return found;
}

async function storedIds(db: SqlExecutor, rows: readonly ApiCallRow[]): Promise<Set<string>> {
  const found = await lookupStored<{ request_id: string }>(db, rows, 'request_id');
  return new Set(found.map((row) => row.request_id));
}

export interface InsertOutcome {
  /** Rows inserted now. */
  inserted: number;
  /** The batch without repeats (first occurrence of each request_id). */
  unique: ApiCallRow[];
  /** request_ids of `unique` that were stored before this insert. */
  stored: Set<string>;
}

/**
 * Idempotent insert: drops rows whose request_id is already stored and repeats within the batch, then inserts
 * the rest. Check-then-insert is not atomic across processes, so two writers racing on the same id can both
 * insert it: ReplacingMergeTree collapses that pair at merge time (see NOTES.md).
 */
export async function insertNewRows(db: SqlExecutor, rows: readonly ApiCallRow[]): Promise<InsertOutcome> {
  const unique = dedupeBatch(rows);
  if (unique.length === 0) return { inserted: 0, unique, stored: new Set() };
  const stored = await storedIds(db, unique);
  const fresh = unique.filter((row) => !stored.has(row.request_id));
  if (fresh.length === 0) return { inserted: 0, unique, stored };
  try {
    await db.insertJson('api_calls', fresh);
  } catch (err) {
    throw toStoreQueryError(err, `inserting ${fresh.length} rows into api_calls failed`);
  }
  return { inserted: fresh.length, unique, stored };
}
