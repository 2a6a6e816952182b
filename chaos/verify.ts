import type { CallRecord } from './calls';
import type { RowInfo } from './faults/fault';
import { analyticsQuery, sleep } from './http';
import type { Stack } from './stack';

/** One row per request id in api_calls (no FINAL: a duplicate shows as n > 1 until a merge collapses it). */
const ROWS_SQL = `
SELECT request_id, count() AS n, any(status) AS status, any(http_status) AS http_status, any(error_type) AS error_type,
       max(request_truncated) AS request_truncated, max(response_truncated) AS response_truncated,
       max(request_original_chars) AS request_original_chars, max(response_original_chars) AS response_original_chars
FROM api_calls
GROUP BY request_id`;

/** The rollup against the table: sum of api_calls_hourly.calls vs rows of api_calls FINAL (and without FINAL). */
const DRIFT_SQL = `
SELECT (SELECT toInt64(sum(calls)) FROM api_calls_hourly) AS hourly_calls,
       (SELECT toInt64(count()) FROM api_calls FINAL) AS rows_final,
       (SELECT toInt64(count()) FROM api_calls) AS rows_raw`;

export async function readRows(stack: Stack): Promise<Map<string, RowInfo>> {
  const rows = await analyticsQuery<RowInfo>(stack.analyticsOrigin, ROWS_SQL, 100_000, 60_000);
  const map = new Map<string, RowInfo>();
  for (const r of rows) {
    map.set(r.request_id, {
      ...r,
      n: Number(r.n),
      http_status: Number(r.http_status),
      request_truncated: Boolean(Number(r.request_truncated)),
      response_truncated: Boolean(Number(r.response_truncated)),
      request_original_chars: Number(r.request_original_chars),
      response_original_chars: Number(r.response_original_chars),
    });
  }
  return map;
}

export interface Drift {
  hourlyCalls: number;
  rowsFinal: number;
  rowsRaw: number;
  /** hourly − FINAL rows: 0 when the rollup is whole. */
  drift: number;
}

export async function readDrift(stack: Stack): Promise<Drift> {
  const [row] = await analyticsQuery<Record<string, unknown>>(stack.analyticsOrigin, DRIFT_SQL, 10, 60_000);
  const hourlyCalls = Number(row?.hourly_calls ?? 0);
  const rowsFinal = Number(row?.rows_final ?? 0);
  return { hourlyCalls, rowsFinal, rowsRaw: Number(row?.rows_raw ?? 0), drift: hourlyCalls - rowsFinal };
}

/** The calls that must have a row: answered ones, and cut ones when the fault ends gracefully. */
export function dueRows(calls: readonly CallRecord[], cutMustHaveRow: boolean): CallRecord[] {
  return calls.filter(
    (c) => c.requestId !== null && (c.outcome === 'answered' || (cutMustHaveRow && c.outcome === 'cut')),
  );
}

export interface Settled {
  rows: Map<string, RowInfo>;
  drift: Drift;
  /** From the end of the traffic until every due row was there (or the wait gave up). */
  settleMs: number;
  complete: boolean;
  /** Per group of calls: when its last due row showed up, ms after the traffic ended (the first poll counts 0). */
  lastRowMsByGroup: Record<string, number>;
}

/**
 * Waits for the rows to settle: every due row present, the bus drained (distributed: the analyzer consumer has
 * nothing pending) and the rollup equal to the table, held for a moment (a late duplicate or a late rollup fix
 * still shows); or nothing changed for `quietMs`; or `timeoutMs` passed.
 */
export async function settle(
  stack: Stack,
  due: readonly CallRecord[],
  quietMs: number,
  timeoutMs: number,
): Promise<Settled> {
  const t0 = performance.now();
  let lastChange = t0;
  let lastKey = '';
  let completeAt: number | null = null;
  let rows = new Map<string, RowInfo>();
  let drift: Drift = { hourlyCalls: 0, rowsFinal: 0, rowsRaw: 0, drift: 0 };
  const firstSeen = new Map<string, number>();
  const byGroup = (): Record<string, number> => {
    const out: Record<string, number> = {};
    for (const c of due) {
      const at = firstSeen.get(c.requestId!);
      if (at !== undefined) out[c.group] = Math.max(out[c.group] ?? 0, Math.round(at - t0));
    }
    return out;
  };
  for (;;) {
    try {
      rows = await readRows(stack);
      drift = await readDrift(stack);
    } catch (err) {
      // The analyzer may be restarting (or momentarily busy): try again.
      if (performance.now() - t0 > timeoutMs) throw err;
      await sleep(500);
      continue;
    }
    const found = due.filter((c) => rows.has(c.requestId!)).length;
    for (const c of due)
      if (rows.has(c.requestId!) && !firstSeen.has(c.requestId!)) firstSeen.set(c.requestId!, performance.now());
    const consumer = stack.nats ? await stack.nats.consumer().catch(() => null) : null;
    const busIdle = !stack.nats || (consumer !== null && consumer.pending === 0 && consumer.ackPending === 0);
    const key = `${found}/${rows.size}/${drift.rowsRaw}/${drift.hourlyCalls}/${busIdle}`;
    const now = performance.now();
    if (key !== lastKey) {
      lastKey = key;
      lastChange = now;
    }
    const whole = found === due.length && busIdle && drift.drift === 0;
    if (whole) completeAt ??= now;
    else completeAt = null;
    if (completeAt !== null && now - completeAt >= 1_500)
      return { rows, drift, settleMs: Math.round(completeAt - t0), complete: true, lastRowMsByGroup: byGroup() };
    if (now - lastChange >= quietMs || now - t0 >= timeoutMs)
      return { rows, drift, settleMs: Math.round(now - t0), complete: false, lastRowMsByGroup: byGroup() };
    await sleep(500);
  }
}
