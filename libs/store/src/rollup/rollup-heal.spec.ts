import type { ApiCallRow, RollupDrift } from '@lessllm/shared';
import { Session } from 'chdb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChdbCallStore } from '../chdb-call-store';
import { rollupSelect } from '../migrations/0002_api_calls_hourly';
import { toJsonLines } from '../parse-json-lines';
import { makeRows } from '../testing/rows';
import { makeTempDir, removeDir } from '../testing/temp-dir';

/**
 * The rollup heals, on the real engine (chDB). Faults are injected with ClickHouse itself: a CHECK constraint on
 * api_calls_hourly makes the view's part of an INSERT fail after the api_calls part was committed (the state a
 * crash between the two leaves), a lightweight DELETE on api_calls leaves rollup without rows (the other order),
 * a second raw INSERT is a duplicate two writers raced in. Each test first shows the drift exists.
 */
const dir = makeTempDir('rollup-heal');
let store: ChdbCallStore;
/** A plain read-write connection to the same directory: fault injection and independent truth. */
let admin: Session;

async function adminRows(sql: string): Promise<Record<string, unknown>[]> {
  const text = (await admin.queryAsync(sql, { format: 'JSONEachRow' })).text();
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

const all = { from: new Date('2000-01-01T00:00:00Z'), to: new Date('2100-01-01T00:00:00Z') };
const month = (m: string) => ({ from: new Date(`${m}-01T00:00:00Z`), to: new Date(`${m}-28T00:00:00Z`) });

/**
 * Per hour: calls in api_calls (distinct ids) minus calls in the rollup, hours that differ only. Written
 * independently of rollupDriftSql, so it checks the check too.
 */
async function callGaps(m: string): Promise<Record<string, number>> {
  const rows = await adminRows(`
    SELECT toString(h) AS hour, sum(c) AS gap FROM (
      SELECT toStartOfHour(timestamp) AS h, toInt64(uniqExact(request_id)) AS c FROM api_calls
      WHERE toYYYYMM(timestamp) = ${m.replace('-', '')} GROUP BY h
      UNION ALL
      SELECT hour AS h, -toInt64(sum(calls)) AS c FROM api_calls_hourly
      WHERE toYYYYMM(hour) = ${m.replace('-', '')} GROUP BY h
    ) GROUP BY h HAVING gap != 0 ORDER BY h`);
  return Object.fromEntries(rows.map((r) => [String(r.hour), Number(r.gap)]));
}

async function adminRows2(sql: string, params: Record<string, unknown>): Promise<Record<string, unknown>[]> {
  const text = (await admin.queryBindAsync(sql, params, { format: 'JSONEachRow' })).text();
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

function perHour(rows: readonly ApiCallRow[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of rows) {
    const hour = `${r.timestamp.slice(0, 13)}:00:00`;
    out[hour] = (out[hour] ?? 0) + 1;
  }
  return out;
}

const negate = (m: Record<string, number>) => Object.fromEntries(Object.entries(m).map(([k, v]) => [k, -v]));
const missing = (drift: RollupDrift[]) => drift.reduce((n, d) => n + d.expected.calls - d.actual.calls, 0);

beforeAll(async () => {
  store = new ChdbCallStore(dir);
  await store.migrate();
  admin = new Session(dir);
});

afterAll(async () => {
  admin?.close();
  await store?.close();
  removeDir(dir);
});

describe('the rollup recompute uses the view definition', () => {
  it('the view in the database has the SELECT the recompute and the check use', async () => {
    const [view] = await adminRows(
      "SELECT as_select FROM system.tables WHERE database = currentDatabase() AND name = 'api_calls_hourly_mv'",
    );
    const [formatted] = await adminRows2('SELECT formatQuery({db:String}) AS db, formatQuery({ours:String}) AS ours', {
      db: String(view.as_select),
      ours: rollupSelect('api_calls', ''),
    });
    // The stored text names the database; ours does not.
    expect(String(formatted.db).replace(/\bdefault\.api_calls\b/g, 'api_calls')).toBe(formatted.ours);
  });
});

describe('RollupKeeper on chDB', () => {
  it('no drift after ordinary inserts: many batches, float sums included', async () => {
    const rows = makeRows(3000, 'plain', '2024-02');
    for (let i = 0; i < rows.length; i += 250) await store.insertCalls(rows.slice(i, i + 250));
    expect(await store.checkRollup(month('2024-02'))).toEqual([]);
    expect(await callGaps('2024-02')).toEqual({});
    expect(store.rollupStats().heals).toBe(0);
  });

  it('rows stored but their rollup part lost (view failed after the table part): the redelivery heals it', async () => {
    const rows = makeRows(200, 'lost', '2024-03');
    await admin.queryAsync('ALTER TABLE api_calls_hourly ADD CONSTRAINT lost_part CHECK 0');
    try {
      await expect(store.insertCalls(rows)).rejects.toThrow(/lost_part/);
    } finally {
      await admin.queryAsync('ALTER TABLE api_calls_hourly DROP CONSTRAINT lost_part');
    }
    // The fault happened: every row is in api_calls, none of them in the rollup.
    const [stored] = await adminRows("SELECT count() AS n FROM api_calls WHERE request_id LIKE 'lost-%'");
    expect(Number(stored.n)).toBe(200);
    expect(await callGaps('2024-03')).toEqual(perHour(rows));
    const drift = await store.checkRollup(month('2024-03'));
    expect(missing(drift)).toBe(200);
    expect(drift.map((d) => d.hour)).toEqual(
      Object.keys(perHour(rows))
        .sort()
        .map((h) => `${h.replace(' ', 'T')}.000Z`),
    );
    const first = drift[0];
    expect(first.groups).toBeGreaterThan(0);
    expect(first.actual.calls).toBe(0);
    expect(first.expected.total_tokens).toBeGreaterThan(0);
    expect(first.expected.cost_usd).toBeGreaterThan(0);

    // An unrelated later insert into the same hours does not heal it (the old behaviour would stop here).
    await store.insertCalls(makeRows(20, 'later', '2024-03'));
    expect(missing(await store.checkRollup(month('2024-03')))).toBe(200);

    const before = store.rollupStats();
    expect(await store.insertCalls(rows)).toBe(0); // the redelivered batch: every id is stored
    expect(await store.checkRollup(month('2024-03'))).toEqual([]);
    expect(await callGaps('2024-03')).toEqual({});
    const after = store.rollupStats();
    expect(after.heals).toBe(before.heals + 1);
    expect(after.hoursRecomputed - before.hoursRecomputed).toBe(Object.keys(perHour(rows)).length);
    expect(after.unsettledHours).toBe(0);

    // The percentile states were rebuilt too: merged, they match the quantiles over the rows.
    const q = await adminRows(`
      SELECT (SELECT quantilesMerge(0.5, 0.9, 0.99)(ttft_ms_quantiles) FROM api_calls_hourly
              WHERE hour = '2024-03-01 05:00:00') AS rollup,
             (SELECT quantiles(0.5, 0.9, 0.99)(estimated_ttft_ms) FROM api_calls FINAL
              WHERE toStartOfHour(timestamp) = '2024-03-01 05:00:00') AS direct`);
    expect(q[0].rollup).toEqual(q[0].direct);
  });

  it('rollup without rows (the view part landed, the table part did not): only the redelivery flag heals it', async () => {
    const unflagged = makeRows(40, 'orphan-a', '2024-04');
    const flagged = makeRows(40, 'orphan-b', '2024-05');
    for (const rows of [unflagged, flagged]) {
      await store.insertCalls(rows);
      const prefix = rows[0].request_id.replace(/-0$/, '');
      await admin.queryAsync(`DELETE FROM api_calls WHERE request_id LIKE '${prefix}-%'`);
    }
    expect(await callGaps('2024-04')).toEqual(negate(perHour(unflagged)));
    expect(await callGaps('2024-05')).toEqual(negate(perHour(flagged)));

    // Retried without the flag: the rows are new to api_calls, so nothing looks retried; the view counts them again.
    expect(await store.insertCalls(unflagged)).toBe(40);
    expect(missing(await store.checkRollup(month('2024-04')))).toBe(-40);

    // Retried as a redelivery: inserted and their hours recomputed.
    const ids = flagged.map((r) => r.request_id);
    expect(await store.insertCalls(flagged, { redelivered: ids })).toBe(40);
    expect(await store.checkRollup(month('2024-05'))).toEqual([]);
    expect(await callGaps('2024-05')).toEqual({});

    // What the bus cannot tell, the repair (lessllm doctor --repair) fixes.
    const repair = await store.repairRollup(month('2024-04'));
    expect(missing(repair.found)).toBe(-40);
    expect(repair.remaining).toEqual([]);
    expect(await store.checkRollup(all)).toEqual([]);
  });

  it('a duplicate two writers raced in counts once after the heal (FINAL)', async () => {
    const rows = makeRows(30, 'raced', '2024-06');
    await store.insertCalls(rows);
    // The other writer's copy, past its own check-then-insert.
    await admin.insert({ table: 'api_calls', values: Buffer.from(toJsonLines(rows)), format: 'JSONEachRow' });
    const [raw] = await adminRows("SELECT count() AS n FROM api_calls WHERE request_id LIKE 'raced-%'");
    expect(Number(raw.n)).toBe(60);
    expect(missing(await store.checkRollup(month('2024-06')))).toBe(-30);

    expect(await store.insertCalls(rows.slice(0, 1))).toBe(0); // one redelivered row of the batch heals its hour
    const left = await store.checkRollup(month('2024-06'));
    expect(left.map((d) => d.hour)).not.toContain(`${rows[0].timestamp.slice(0, 13).replace(' ', 'T')}:00:00.000Z`);
    expect(await store.insertCalls(rows)).toBe(0);
    expect(await store.checkRollup(month('2024-06'))).toEqual([]);
    const [sum] = await adminRows('SELECT sum(calls) AS n FROM api_calls_hourly WHERE toYYYYMM(hour) = 202406');
    expect(Number(sum.n)).toBe(30);
  });

  it('heals interleaved with other writes of the same store stay exact (one write queue)', async () => {
    const rows = makeRows(300, 'busy', '2024-07');
    await admin.queryAsync('ALTER TABLE api_calls_hourly ADD CONSTRAINT lost_busy CHECK 0');
    await expect(store.insertCalls(rows.slice(0, 100))).rejects.toThrow(/lost_busy/);
    await admin.queryAsync('ALTER TABLE api_calls_hourly DROP CONSTRAINT lost_busy');
    expect(missing(await store.checkRollup(month('2024-07')))).toBe(100);
    await Promise.all([
      store.insertCalls(rows.slice(100, 200)),
      store.insertCalls(rows.slice(0, 150), { redelivered: rows.slice(0, 150).map((r) => r.request_id) }),
      store.insertCalls(rows.slice(200)),
    ]);
    expect(await store.checkRollup(month('2024-07'))).toEqual([]);
    expect(await callGaps('2024-07')).toEqual({});
  });

  it('repair of a clean range does nothing', async () => {
    const before = store.rollupStats();
    expect(await store.repairRollup(all)).toEqual({ found: [], remaining: [] });
    expect(store.rollupStats().hoursRecomputed).toBe(before.hoursRecomputed);
  });
});
