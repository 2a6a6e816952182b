import { startLessLLM, type RunningServer } from '@lessllm/server';
import type { ApiCallRow, RollupDrift } from '@lessllm/shared';
import { parseConfig } from '@lessllm/shared';
import { ChdbCallStore } from '@lessllm/store';
import { Session } from 'chdb';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDefaultEnricher } from '../../apps/analyzer/src/ingest/default-enricher';
import { makeCallEvent } from '../../bench/call-events';
import { ensureCliBuilt, runCli } from '../support/cli';

// `lessllm doctor` as a user runs it, on a chDB folder whose rollup really lost parts: the view's part of two
// inserts was refused by ClickHouse (a CHECK constraint) after their api_calls part was committed.
const ADMIN_KEY = 'admin-key-doctor-123';
const dir = mkdtempSync(join(tmpdir(), 'lessllm-doctor-'));
const dataDir = join(dir, 'data');
const configFile = join(dir, 'lessllm.yaml');
const raw = {
  providers: { openai: { type: 'openai', base_url: 'http://127.0.0.1:9/v1', api_key: 'sk-unused', models: ['m'] } },
  auth: { admin_key: ADMIN_KEY },
  storage: { data_dir: dataDir },
  server: { log_level: 'warn' },
};
const march = ['--since', '2024-03-01', '--until', '2024-04-01'];
/** Two hours ago and three hours ago, inside the default 7-day range. */
const recentHours = [2, 3].map((h) => new Date(Math.floor(Date.now() / 3_600_000 - h) * 3_600_000));

const cli = (args: string[]) => runCli(['doctor', ...args], { home: dir, timeoutMs: 60_000 });

/** api_calls rows as the analyzer makes them, from realistic call events `stepMs` apart from `startMs`. */
async function rows(count: number, startMs: number, stepMs: number): Promise<ApiCallRow[]> {
  const enricher = createDefaultEnricher(parseConfig(raw, {}, true, 'test'), pino({ level: 'silent' }));
  return Promise.all(Array.from({ length: count }, (_, i) => enricher.toRow(makeCallEvent(i, startMs + i * stepMs))));
}

async function insertLosingRollup(store: ChdbCallStore, admin: Session, rows: ApiCallRow[]) {
  await admin.queryAsync('ALTER TABLE api_calls_hourly ADD CONSTRAINT doctor_lost CHECK 0');
  try {
    await expect(store.insertCalls(rows)).rejects.toThrow(/doctor_lost/);
  } finally {
    await admin.queryAsync('ALTER TABLE api_calls_hourly DROP CONSTRAINT doctor_lost');
  }
}

/** calls in api_calls FINAL minus calls in the rollup, over everything. */
async function callsMissing(admin: Session): Promise<number> {
  const sql =
    'SELECT (SELECT count() FROM api_calls FINAL) - (SELECT sum(calls) FROM api_calls_hourly) AS n FORMAT JSONEachRow';
  return Number((JSON.parse((await admin.queryAsync(sql)).text()) as { n: string }).n);
}

beforeAll(async () => {
  ensureCliBuilt();
  writeFileSync(configFile, JSON.stringify(raw)); // JSON is YAML
  const store = new ChdbCallStore(dataDir);
  await store.migrate();
  const admin = new Session(dataDir);
  try {
    const march1 = Date.UTC(2024, 2, 1);
    await store.insertCalls(await rows(300, march1, 3 * 60_000)); // 15 hours of March 1st
    await insertLosingRollup(store, admin, await rows(100, march1 + 5 * 60_000, 6 * 60_000)); // 10 of those hours
    for (const hour of recentHours) await insertLosingRollup(store, admin, await rows(3, hour.getTime(), 60_000));
    // The fault is there before any doctor runs: 106 calls have rows but no rollup.
    expect(await callsMissing(admin)).toBe(106);
  } finally {
    admin.close();
    await store.close();
  }
}, 120_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('lessllm doctor', () => {
  it('reports drift per hour and exits 2', async () => {
    const res = await cli(['-c', configFile, ...march]);
    expect(res.code, res.stderr).toBe(2);
    expect(res.stdout).toContain(`chDB in ${dataDir}`);
    expect(res.stdout).toMatch(/drift in \d+ hours \(the rollup misses 100 calls\)/);
    expect(res.stdout).toContain('calls rollup/api_calls');
    expect(res.stdout).toContain('run with --repair');
    // A drifted hour of March 2024: the rollup holds the "fine" calls only.
    expect(res.stdout).toMatch(/2024-03-0\d \d\d:00 +\d+ +\d+\/\d+/);
  });

  it('--json gives the figures; the default range (7 days) finds the recent hours only', async () => {
    const res = await cli(['-c', configFile, '--json', ...march]);
    expect(res.code, res.stderr).toBe(2);
    const report = JSON.parse(res.stdout) as { drift: RollupDrift[]; remaining: RollupDrift[] };
    expect(report.drift.reduce((n, d) => n + d.expected.calls - d.actual.calls, 0)).toBe(100);
    expect(
      report.drift.every((d) => d.hour.startsWith('2024-03-') && d.expected.total_tokens > d.actual.total_tokens),
    ).toBe(true);
    const cost = (pick: (d: RollupDrift) => number) => report.drift.reduce((n, d) => n + pick(d), 0);
    expect(cost((d) => d.expected.cost_usd)).toBeGreaterThan(cost((d) => d.actual.cost_usd));
    const recent = await cli(['-c', configFile, '--json']);
    expect(recent.code, recent.stderr).toBe(2);
    const drift = (JSON.parse(recent.stdout) as { drift: RollupDrift[] }).drift;
    expect(drift.map((d) => d.hour)).toEqual(recentHours.map((h) => h.toISOString()).sort());
    expect(drift.map((d) => [d.actual.calls, d.expected.calls])).toEqual([
      [0, 3],
      [0, 3],
    ]);
  });

  it('--url checks through a running server (read-only) and refuses --repair there', async () => {
    let server: RunningServer | undefined;
    try {
      server = await startLessLLM({
        config: parseConfig(raw, {}, true, 'test'),
        port: 0,
        host: '127.0.0.1',
        logger: pino({ level: 'silent' }),
      });
      const remote = ['--url', server.url, '--admin-key', ADMIN_KEY];
      const res = await cli([...remote, '--json', ...march]);
      expect(res.code, res.stderr).toBe(2);
      const report = JSON.parse(res.stdout) as { drift: RollupDrift[] };
      expect(report.drift.reduce((n, d) => n + d.expected.calls - d.actual.calls, 0)).toBe(100);
      const refused = await cli([...remote, '--repair', ...march]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain('--repair needs the store itself');
    } finally {
      await server?.stop();
    }
  }, 90_000);

  it('--repair recomputes the drifted hours; afterwards there is no drift', async () => {
    const repaired = await cli(['-c', configFile, '--repair', ...march]);
    expect(repaired.code, repaired.stdout + repaired.stderr).toBe(0);
    expect(repaired.stdout).toMatch(/repaired: \d+ hours recomputed, the rollup matches api_calls/);
    const recent = await cli(['-c', configFile, '--repair']);
    expect(recent.code, recent.stderr).toBe(0);
    const clean = await cli(['-c', configFile, '--since', '2024-01-01']);
    expect(clean.code, clean.stderr).toBe(0);
    expect(clean.stdout).toContain('no drift');
    // Independently of the doctor's own SQL: every stored call is in the rollup exactly once.
    const admin = new Session(dataDir);
    try {
      expect(await callsMissing(admin)).toBe(0);
    } finally {
      admin.close();
    }
  }, 90_000);

  it('refuses a bad range', async () => {
    const res = await cli(['-c', configFile, '--since', 'yesterday']);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('--since must be a date');
  });
});
