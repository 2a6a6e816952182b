import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { CallSpool } from './call-spool';

/**
 * A real process appending to a real spool, killed with SIGKILL mid-flow, three times on the same folder: what it
 * had written survives, in order, with no gap; a torn last line is skipped; each restart appends after the last.
 */

const ROOT = resolve(__dirname, '../../../../..');
const CHILD = join(__dirname, 'testing/spool-writer-child.ts');
const VITE_NODE = join(ROOT, 'node_modules/vite-node/vite-node.mjs');
const dir = mkdtempSync(join(tmpdir(), 'lessllm-spool-kill-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface KillRound {
  /** The child's last report before the kill: events appended (it went on appending until the kill). */
  appended: number;
}

/** Starts the child, lets it append until it reported `atLeast` events, kills it with SIGKILL. */
async function appendAndKill(prefix: string, atLeast: number): Promise<KillRound> {
  const child = spawn(process.execPath, [VITE_NODE, '--config', join(ROOT, 'vitest.config.ts'), CHILD, dir, prefix], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let last: KillRound = { appended: 0 };
  let buffered = '';
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout.on('data', (d: Buffer) => {
    buffered += d.toString();
    const lines = buffered.split('\n');
    buffered = lines.pop()!;
    for (const line of lines) if (/^\d+$/.test(line)) last = { appended: Number(line) };
  });
  const exited = new Promise<NodeJS.Signals | null>((done) => child.once('exit', (_code, signal) => done(signal)));
  await expect.poll(() => last.appended, { timeout: 60_000, interval: 5 }).toBeGreaterThanOrEqual(atLeast);
  const atKill = { ...last };
  child.kill('SIGKILL');
  expect(await exited, stderr).toBe('SIGKILL');
  return atKill;
}

describe('the spool under kill -9 (real processes)', () => {
  it('keeps every line a killed writer had written, in order, across three kills and restarts', async () => {
    const rounds: KillRound[] = [];
    for (const [i, atLeast] of [3000, 5000, 4000].entries()) rounds.push(await appendAndKill(`r${i}`, atLeast));

    const spool = await CallSpool.open({
      dir,
      fsyncIntervalMs: 25,
      fsyncBytes: 1024 * 1024,
      segmentBytes: 256 * 1024,
      maxBytes: 1024 * 1024 * 1024,
      logger: pino({ level: 'silent' }),
    });
    const ids: string[] = [];
    let position = spool.consumed;
    for (;;) {
      const read = await spool.read(position, spool.appendedEnd, 5000);
      ids.push(...read.events.map((e) => e.request_id));
      if (read.events.length === 0 && read.next.segment === position.segment && read.next.offset === position.offset)
        break;
      position = read.next;
    }
    const stats = spool.stats();
    await spool.close();

    const report = rounds.map((round, i) => {
      const mine = ids.filter((id) => id.startsWith(`r${i}-`));
      // A gapless prefix 0..n-1 of what that process appended, in order...
      expect(mine).toEqual(Array.from({ length: mine.length }, (_, k) => `r${i}-${k}`));
      // ...holding everything it had appended before its last report (and what it appended after, up to the kill).
      expect(mine.length).toBeGreaterThanOrEqual(round.appended);
      return { ...round, recovered: mine.length, afterLastReport: mine.length - round.appended };
    });
    // The rounds follow one another (each restart appends after the previous run's segments).
    expect(ids).toEqual(report.flatMap((r, i) => Array.from({ length: r.recovered }, (_, k) => `r${i}-${k}`)));
    // Mid-flow: the writers were killed while appending (they appended past their last report we had read).
    expect(report.some((r) => r.afterLastReport > 0)).toBe(true);
    console.log(`spool kill -9 rounds: ${JSON.stringify(report)}; torn lines skipped: ${stats.torn}`);
    expect(stats.corrupt).toBe(0);
  }, 180_000);
});
