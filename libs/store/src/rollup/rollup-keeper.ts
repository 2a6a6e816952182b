import type {
  ApiCallRow,
  InsertCallsOptions,
  RollupDrift,
  RollupRepair,
  RollupScope,
  RollupStats,
} from '@lessllm/shared';
import { setTimeout as sleep } from 'node:timers/promises';
import { insertNewRows, lookupStored } from '../insert-rows';
import type { SqlExecutor } from '../sql-executor';
import { floorHour, spanHours, spansOf, spansOfScope, type EpochHour, type HourSpan } from './hour-spans';
import { checkSpans } from './rollup-check';
import { recomputeSpans } from './rollup-recompute';

export interface RollupKeeperOptions {
  /** Recompute-then-check rounds per heal or repair before giving up on hours still drifting. Default 3. */
  attempts?: number;
  /** Pause before another round, so another writer's insert in flight can finish. Default 100 ms. */
  retryDelayMs?: number;
}

const hoursOf = (drift: readonly RollupDrift[]): EpochHour[] => drift.map((d) => floorHour(new Date(d.hour)));

/**
 * Keeps api_calls_hourly equal to a GROUP BY over api_calls. The view adds each insert's rows to the rollup, but
 * not atomically with api_calls: a crash (or a view error) between the two parts leaves rows without their rollup
 * (or, the other way round, rollup without rows). Both show up as a retried batch: its rows are already stored,
 * or the bus says it is a redelivery. For those rows' hours the rollup is recomputed from api_calls FINAL, then
 * checked. Every method runs inside the store's write queue (the caller's job), so within one process nothing
 * interleaves with it; other processes writing the same hours can (see NOTES.md).
 */
export class RollupKeeper {
  private readonly attempts: number;
  private readonly retryDelayMs: number;
  private readonly stats: RollupStats = { heals: 0, hoursRecomputed: 0, unsettledHours: 0 };

  constructor(options: RollupKeeperOptions = {}) {
    this.attempts = Math.max(1, options.attempts ?? 3);
    this.retryDelayMs = options.retryDelayMs ?? 100;
  }

  /** The idempotent insert, then the heal of the hours of rows that may have been written in part before. */
  async insertCalls(db: SqlExecutor, rows: readonly ApiCallRow[], options?: InsertCallsOptions): Promise<number> {
    const outcome = await insertNewRows(db, rows);
    const redelivered = new Set(options?.redelivered ?? []);
    const suspects = outcome.unique.filter((r) => outcome.stored.has(r.request_id) || redelivered.has(r.request_id));
    if (suspects.length > 0) {
      // The hours as stored (the timestamp ClickHouse parsed), read after the insert so redelivered new rows count.
      const found = await lookupStored<{ hour: number }>(
        db,
        suspects,
        'toUnixTimestamp(toStartOfHour(timestamp)) AS hour',
      );
      const spans = spansOf(found.map((r) => Number(r.hour)));
      if (spans.length > 0) {
        this.stats.heals++;
        await this.settle(db, spans);
      }
    }
    return outcome.inserted;
  }

  check(db: SqlExecutor, scope: RollupScope): Promise<RollupDrift[]> {
    return checkSpans(db, spansOfScope(scope));
  }

  async repair(db: SqlExecutor, scope: RollupScope): Promise<RollupRepair> {
    const found = await this.check(db, scope);
    if (found.length === 0) return { found, remaining: [] };
    return { found, remaining: await this.settle(db, spansOf(hoursOf(found))) };
  }

  snapshot(): RollupStats {
    return { ...this.stats };
  }

  /** Recompute, check; again for hours still drifting (another writer), up to `attempts` rounds. */
  private async settle(db: SqlExecutor, spans: HourSpan[]): Promise<RollupDrift[]> {
    let pending = spans;
    for (let round = 1; ; round++) {
      await recomputeSpans(db, pending);
      this.stats.hoursRecomputed += spanHours(pending);
      const drift = await checkSpans(db, pending);
      if (drift.length === 0) return drift;
      if (round >= this.attempts) {
        this.stats.unsettledHours += drift.length;
        return drift;
      }
      pending = spansOf(hoursOf(drift));
      await sleep(this.retryDelayMs * round);
    }
  }
}
