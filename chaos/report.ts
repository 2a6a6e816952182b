import type { Check } from './faults/fault';

export interface FaultResult {
  fault: string;
  title: string;
  mode: string;
  durationS: number;
  calls: {
    sent: number;
    answered: number;
    /** Headers came, the body broke off. */
    cut: number;
    /** No response at all (reset, or still refused after 30 s of retries). */
    unanswered: number;
    /** Calls whose connection was refused at first (the service was down) and that were retried. */
    retriedRefused: number;
    /** Answered with a status other than 200 (e.g. the 502 of a too-large answer). */
    answeredNot200: number;
    byGroup: Record<string, number>;
  };
  /** Calls that must have a row (answered, plus cut ones when the fault ends gracefully). */
  due: number;
  /** Due calls that have their row. */
  rows: number;
  missing: number;
  allowedMissing: number;
  missingSample: Array<{
    group: string;
    kind: string;
    stream: boolean;
    outcome: string;
    status: number | null;
    requestId: string | null;
  }>;
  /** Cut calls without a row where none is due (kill -9 of the recording process). */
  cutWithoutRow: number;
  duplicated: number;
  /** Rows whose request id no caller saw (the gateway recorded a call whose answer never reached it). */
  extraRows: number;
  extraRowsSample: Array<{ status: string; http_status: number; error_type: string | null }>;
  /** Answered calls whose status was not 200 (group, status), a few. */
  answeredNot200Sample: Array<{ group: string; status: number | null; kind: string; stream: boolean }>;
  rollup: { hourlyCalls: number; rowsFinal: number; rowsRaw: number; drift: number };
  settle: { ms: number; complete: boolean; lastRowMsByGroup: Record<string, number> };
  peakRssMb: Record<string, number | null>;
  evidence: Record<string, unknown>;
  checks: Check[];
  error: string | null;
  pass: boolean;
  reasons: string[];
}

const pad = (v: unknown, n: number, right = false): string => {
  const s = String(v);
  return right ? s.padEnd(n) : s.padStart(n);
};

export function table(results: readonly FaultResult[]): string {
  const head = [
    pad('fault', 16, true),
    pad('sent', 6),
    pad('answered', 9),
    pad('cut', 4),
    pad('no-answer', 9),
    pad('rows', 6),
    pad('missing', 8),
    pad('dup', 4),
    pad('drift', 6),
    pad('settle', 7),
    pad('peak RSS MB gw/an/nats/redis', 29),
    pad('checks', 7),
    '  result',
  ].join(' ');
  const lines = [head, '-'.repeat(head.length)];
  for (const r of results) {
    const rss = ['gateway', 'analyzer', 'nats-server', 'redis-server'].map((k) => r.peakRssMb[k] ?? '-').join('/');
    const checks = `${r.checks.filter((c) => c.ok).length}/${r.checks.length}`;
    lines.push(
      [
        pad(r.fault, 16, true),
        pad(r.calls.sent, 6),
        pad(r.calls.answered, 9),
        pad(r.calls.cut, 4),
        pad(r.calls.unanswered, 9),
        pad(`${r.rows}/${r.due}`, 6),
        pad(r.allowedMissing > 0 ? `${r.missing}(≤${r.allowedMissing})` : r.missing, 8),
        pad(r.duplicated, 4),
        pad(r.rollup.drift, 6),
        pad(`${(r.settle.ms / 1000).toFixed(1)}s`, 7),
        pad(rss, 29),
        pad(checks, 7),
        `  ${r.pass ? 'PASS' : 'FAIL'}`,
      ].join(' '),
    );
  }
  return lines.join('\n');
}

export function details(r: FaultResult): string {
  const out = [`== ${r.fault}: ${r.title} (${r.mode}, ${r.durationS} s) ${r.pass ? 'PASS' : 'FAIL'}`];
  if (r.error) out.push(`   error: ${r.error}`);
  out.push(
    `   calls: ${Object.entries(r.calls.byGroup)
      .map(([g, n]) => `${g} ${n}`)
      .join(
        ', ',
      )}; answered non-200: ${r.calls.answeredNot200}; rows ${r.rows}/${r.due} due, extra ${r.extraRows}, cut without row (none due) ${r.cutWithoutRow}`,
  );
  out.push(
    `   rollup: api_calls_hourly ${r.rollup.hourlyCalls} calls vs api_calls FINAL ${r.rollup.rowsFinal} rows (raw ${r.rollup.rowsRaw}); settled in ${(r.settle.ms / 1000).toFixed(1)} s${r.settle.complete ? '' : ' (gave up waiting)'}; last row per group after the traffic: ${Object.entries(
      r.settle.lastRowMsByGroup,
    )
      .map(([g, ms]) => `${g} ${(ms / 1000).toFixed(1)} s`)
      .join(', ')}`,
  );
  for (const c of r.checks) out.push(`   [${c.ok ? 'ok' : 'FAIL'}] ${c.name}: ${c.detail}`);
  for (const [k, v] of Object.entries(r.evidence)) out.push(`   ${k}: ${JSON.stringify(v)}`);
  if (r.calls.retriedRefused > 0)
    out.push(
      `   ${r.calls.retriedRefused} calls found the service down (connection refused) and were retried until it was back`,
    );
  for (const m of r.missingSample) out.push(`   missing: ${JSON.stringify(m)}`);
  for (const m of r.answeredNot200Sample) out.push(`   answered not 200: ${JSON.stringify(m)}`);
  for (const m of r.extraRowsSample) out.push(`   extra row: ${JSON.stringify(m)}`);
  if (!r.pass) out.push(`   => ${r.reasons.join('; ')}`);
  return out.join('\n');
}
