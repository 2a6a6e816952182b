import type { RollupDrift, RollupTotals } from '@lessllm/shared';
import { rollupSelect } from '../migrations/0002_api_calls_hourly';
import type { SqlExecutor } from '../sql-executor';
import { toStoreQueryError } from '../store-query-error';
import { hourIso, timeFilter, type HourSpan } from './hour-spans';

/** Rollup column → RollupTotals field. */
const COLUMNS = {
  calls: 'calls',
  errors: 'errors',
  prompt_tokens: 'prompt_tokens',
  completion_tokens: 'completion_tokens',
  total_tokens: 'total_tokens',
  cached_tokens: 'cached_tokens',
  cost_usd: 'cost_usd',
  total_latency_ms_sum: 'total_latency_ms',
} as const satisfies Record<string, keyof RollupTotals>;

type Column = keyof typeof COLUMNS;
const NAMES = Object.keys(COLUMNS) as Column[];
/** Float sums: summed in another order they differ in the last bits, so they are compared with a tolerance. */
const FLOATS: ReadonlySet<Column> = new Set(['cost_usd', 'total_latency_ms_sum']);
const KEY = 'hour, model, provider, tenant, user_id';

const differs = (c: Column): string =>
  FLOATS.has(c) ? `abs(e_${c} - a_${c}) > 1e-9 * greatest(1, abs(e_${c}))` : `e_${c} != a_${c}`;

/**
 * One SELECT comparing, per (hour, model, provider, tenant, user_id), the rollup with what it should hold: the
 * view's own SELECT over api_calls FINAL (a duplicate two writers raced in counts once). Returns one row per hour
 * with at least one differing group: `hour_s` (epoch seconds), `groups`, `expected_<col>` and `actual_<col>`.
 * Read-only, so it also runs through the analytics query API.
 */
export function rollupDriftSql(spans: readonly HourSpan[]): string {
  const expected = rollupSelect('api_calls FINAL', `\nWHERE ${timeFilter('timestamp', spans)}`);
  return `
SELECT
    toUnixTimestamp(hour) AS hour_s,
    countIf(${NAMES.map(differs).join(' OR ')}) AS groups,
    ${NAMES.map((c) => `sum(e_${c}) AS expected_${c}, sum(a_${c}) AS actual_${c}`).join(',\n    ')}
FROM
(
    SELECT ${KEY},
        ${NAMES.map((c) => `sumIf(v_${c}, side = 1) AS e_${c}, sumIf(v_${c}, side = 0) AS a_${c}`).join(',\n        ')}
    FROM
    (
        SELECT 1 AS side, ${KEY}, ${NAMES.map((c) => `${c} AS v_${c}`).join(', ')}
        FROM (${expected})
        UNION ALL
        SELECT 0 AS side, ${KEY}, ${NAMES.map((c) => `sum(${c}) AS v_${c}`).join(', ')}
        FROM api_calls_hourly
        WHERE ${timeFilter('hour', spans)}
        GROUP BY ${KEY}
    )
    GROUP BY ${KEY}
)
GROUP BY hour
HAVING groups > 0
ORDER BY hour`;
}

function totals(row: Record<string, unknown>, side: 'expected' | 'actual'): RollupTotals {
  const out = {} as RollupTotals;
  for (const c of NAMES) out[COLUMNS[c]] = Number(row[`${side}_${c}`]);
  return out;
}

/** Rows of rollupDriftSql (64-bit integers as numbers or strings, both engines) as RollupDrift. */
export function parseDriftRows(rows: readonly Record<string, unknown>[]): RollupDrift[] {
  return rows.map((row) => ({
    hour: hourIso(Number(row.hour_s)),
    groups: Number(row.groups),
    expected: totals(row, 'expected'),
    actual: totals(row, 'actual'),
  }));
}

export async function checkSpans(db: SqlExecutor, spans: readonly HourSpan[]): Promise<RollupDrift[]> {
  if (spans.length === 0) return [];
  try {
    return parseDriftRows(await db.select<Record<string, unknown>>(rollupDriftSql(spans)));
  } catch (err) {
    throw toStoreQueryError(err, 'checking api_calls_hourly against api_calls failed');
  }
}
