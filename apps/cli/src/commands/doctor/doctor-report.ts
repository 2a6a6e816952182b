import type { RollupDrift, RollupTotals } from '@lessllm/shared';

const COLUMNS: ReadonlyArray<[string, (t: RollupTotals) => number]> = [
  ['calls', (t) => t.calls],
  ['errors', (t) => t.errors],
  ['prompt_tokens', (t) => t.prompt_tokens],
  ['completion_tokens', (t) => t.completion_tokens],
  ['total_tokens', (t) => t.total_tokens],
  ['cached_tokens', (t) => t.cached_tokens],
  ['cost_usd', (t) => t.cost_usd],
];

const show = (value: number): string => (Number.isInteger(value) ? String(value) : value.toFixed(6));

/**
 * One line per drifted hour: each figure as `rollup/api_calls` (what Grafana reads / what it should read), and how
 * many (model, provider, tenant, user) groups of the hour differ.
 */
export function driftTable(drift: readonly RollupDrift[]): string {
  const header = ['hour (UTC)', 'groups', ...COLUMNS.map(([name]) => `${name} rollup/api_calls`)];
  const lines = drift.map((d) => [
    d.hour.slice(0, 16).replace('T', ' '),
    String(d.groups),
    ...COLUMNS.map(([, pick]) => `${show(pick(d.actual))}/${show(pick(d.expected))}`),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const row = (cells: string[]) =>
    cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [row(header), ...lines.map(row)].join('\n');
}

/** Calls the rollup is missing (positive) or counts too often (negative), over all hours. */
export const callsOff = (drift: readonly RollupDrift[]): number =>
  drift.reduce((n, d) => n + d.expected.calls - d.actual.calls, 0);
