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

async function storedIds(db: SqlExecutor, rows: readonly ApiCallRow[]): Promise<Set<string>> {
  const stored = new Set<string>();
  for (let i = 0; i < rows.length; i += LOOKUP_CHUNK) {
    const chunk = rows.slice(i, i + LOOKUP_CHUNK);
    const window = dateWindow(chunk);
    const sql =
      'SELECT DISTINCT request_id FROM api_calls WHERE request_id IN {ids:Array(String)}' +
      (window ? ' AND toDate(timestamp) BETWEEN {from:Date} - 1 AND {to:Date} + 1' : '');
    const found = await db.select<{ request_id: string }>(sql, {
      ids: chunk.map((row) => row.request_id),
      ...window,
    });
    found.forEach((row) => stored.add(row.request_id));
  }
  return stored;
}

/**
 * Idempotent insert: drops rows whose request_id is already stored and repeats within the batch, then inserts
 * the rest; returns how many were new. Check-then-insert is not atomic across processes, so two writers racing
 * on the same id can both insert it: ReplacingMergeTree collapses that pair at merge time (see NOTES.md).
 */
export async function insertNewRows(db: SqlExecutor, rows: readonly ApiCallRow[]): Promise<number> {
  const unique = dedupeBatch(rows);
  if (unique.length === 0) return 0;
  const stored = await storedIds(db, unique);
  const fresh = unique.filter((row) => !stored.has(row.request_id));
  if (fresh.length === 0) return 0;
  try {
    await db.insertJson('api_calls', fresh);
  } catch (err) {
    throw toStoreQueryError(err, `inserting ${fresh.length} rows into api_calls failed`);
  }
  return fresh.length;
}
