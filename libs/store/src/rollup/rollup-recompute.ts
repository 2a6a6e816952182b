import { rollupSelect } from '../migrations/0002_api_calls_hourly';
import type { SqlExecutor } from '../sql-executor';
import { toStoreQueryError } from '../store-query-error';
import { chunkSpans, timeFilter, type HourSpan } from './hour-spans';

/** Spans per statement pair: keeps each statement well under max_query_size (256 KiB). */
const SPANS_PER_STATEMENT = 100;

/**
 * Rebuilds the rollup of these hours from api_calls FINAL: a lightweight DELETE of their rollup rows, then the
 * view's SELECT over exactly those hours. Run it in the store's write queue, after the batch's own insert.
 *
 * - The DELETE is synchronous by default (lightweight_deletes_sync = 2) and, like every mutation, touches only
 *   parts that exist when it starts: rollup rows inserted after it (the INSERT below, other inserts' view
 *   parts) are kept.
 * - FINAL: a duplicate two writers raced in (one call, two rows until merged) counts once.
 * - Not atomic: a crash between the two statements leaves those hours empty until the next heal or repair
 *   (a redelivered batch heals again: its rows are stored by then). Readers may see the hours dip meanwhile.
 */
export async function recomputeSpans(db: SqlExecutor, spans: readonly HourSpan[]): Promise<void> {
  for (const chunk of chunkSpans(spans, SPANS_PER_STATEMENT)) {
    try {
      await db.command(`DELETE FROM api_calls_hourly WHERE ${timeFilter('hour', chunk)}`);
      await db.command(
        `INSERT INTO api_calls_hourly${rollupSelect('api_calls FINAL', `\nWHERE ${timeFilter('timestamp', chunk)}`)}`,
      );
    } catch (err) {
      throw toStoreQueryError(err, 'recomputing api_calls_hourly from api_calls failed');
    }
  }
}
