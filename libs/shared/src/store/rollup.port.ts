/**
 * The hourly rollup (`api_calls_hourly`) against its source: the rollup must equal a GROUP BY over
 * `api_calls FINAL` per (hour, model, provider, tenant, user_id). These types are how a store reports and repairs
 * the difference ("drift").
 */

/** Hours to look at: every whole UTC hour that overlaps [from, to), or exactly these hours. */
export type RollupScope = { from: Date; to: Date } | { hours: readonly Date[] };

/** The additive columns of one hour of the rollup, summed over its groups. */
export interface RollupTotals {
  calls: number;
  errors: number;
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  cached_tokens: number;
  cost_usd: number;
  total_latency_ms: number;
}

/** One hour whose rollup differs from api_calls. */
export interface RollupDrift {
  /** Start of the hour, ISO-8601 UTC ('2024-06-01T10:00:00.000Z'). */
  hour: string;
  /** Groups (model, provider, tenant, user_id) of this hour whose figures differ. */
  groups: number;
  /** From api_calls FINAL (what the rollup should hold). */
  expected: RollupTotals;
  /** From api_calls_hourly. */
  actual: RollupTotals;
}

export interface RollupRepair {
  /** The drift found before repairing (every hour in it was recomputed). */
  found: RollupDrift[];
  /** Drift still there after the recompute (another writer kept changing those hours); empty when healed. */
  remaining: RollupDrift[];
}

/** Counters since the store was opened. */
export interface RollupStats {
  /** insertCalls batches that held already-stored or redelivered rows, so their hours were recomputed. */
  heals: number;
  /** Hours recomputed (heals, their retries and repairs). */
  hoursRecomputed: number;
  /** Hours still drifting after the last retry of a heal or repair (concurrent writers): `lessllm doctor` fixes them. */
  unsettledHours: number;
}

export interface InsertCallsOptions {
  /**
   * request_ids whose earlier delivery may have been written in part (a JetStream redelivery, a spool replay).
   * Their hours are recomputed after the insert. Rows already stored are always treated so.
   */
  redelivered?: readonly string[];
}

/** Check and repair of the hourly rollup; both stores implement it, inside their write queue. */
export interface RollupMaintenance {
  /** Hours in scope whose rollup differs from a GROUP BY over api_calls FINAL, oldest first. */
  checkRollup(scope: RollupScope): Promise<RollupDrift[]>;
  /** Checks, recomputes the drifted hours from api_calls FINAL, checks them again. */
  repairRollup(scope: RollupScope): Promise<RollupRepair>;
  rollupStats(): RollupStats;
}
