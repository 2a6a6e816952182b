import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { request } from 'undici';
import { CpuMeter, processTicks } from './cpu-meter';
import { createClient, fixedRate, maxThroughput, warmUp } from './load';
import { chatBody } from './payloads';
import { type Child, spawnNode } from './processes';
import { API_KEY } from './settings';
import { round, summarise } from './stats';

/**
 * The embedded call spool's cost on the hot path: `lessllm server` (embedded: gateway + recorder + chDB) with the
 * spool on and off, in alternating rounds on fresh data dirs, each round a fixed-rate run (CPU per request at the
 * same load, latency) and a closed-loop run (requests/s). The fake provider runs in its own process; this one only
 * generates load. Run: `npm run build && node dist/bench/spool-cost.js [rounds]`.
 */

const ROOT = path.resolve(__dirname, '..', '..');
const CLI = path.join(ROOT, 'dist/apps/cli/src/main.js');
const FAKE = path.join(ROOT, 'dist/bench/fake-provider-process.js');
const RATE = 400;
const RATE_SECONDS = 10;
const CONNECTIONS = 16;
const THROUGHPUT_SECONDS = 8;

interface Round {
  spool: boolean;
  cpuMsPerRequest: number;
  p50: number;
  p99: number;
  rps: number;
  errors: number;
  /** Other processes' CPU during the round (a busy shared machine makes it noisy). */
  foreignCores: number;
  /** Mean and max-bucket of the spool's write(2), µs (spool on only). */
  writeMeanUs?: number;
  writes?: number;
}

function config(dir: string, fakePort: number, spool: boolean): string {
  const file = path.join(dir, 'lessllm.json');
  const raw = {
    providers: {
      openai: { type: 'openai', base_url: `http://127.0.0.1:${fakePort}/v1`, api_key: API_KEY, models: ['fast'] },
    },
    storage: { data_dir: path.join(dir, 'data') },
    analyzer: { spool: { enabled: spool } },
    server: { log_level: 'warn' },
  };
  writeFileSync(file, JSON.stringify(raw)); // JSON is YAML
  return file;
}

async function spoolWrites(origin: string): Promise<{ count: number; sum: number }> {
  const text = await (await request(`${origin}/metrics`)).body.text();
  const value = (name: string) => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)`, 'm').exec(text)?.[1] ?? 0);
  return {
    count: value('lessllm_call_spool_write_seconds_count'),
    sum: value('lessllm_call_spool_write_seconds_sum'),
  };
}

async function measure(fakePort: number, spool: boolean): Promise<Round> {
  const dir = mkdtempSync(path.join(tmpdir(), 'lessllm-spool-bench-'));
  let server: Child | null = null;
  const client = createClient();
  try {
    server = await spawnNode({
      name: `server (spool ${spool ? 'on' : 'off'})`,
      args: [CLI, 'server', '--port', '0', '--host', '127.0.0.1', '--config', config(dir, fakePort, spool)],
      readyLine: /LessLLM server on (http:\/\/\S+)/,
      timeoutMs: 30_000,
    });
    const origin = server.ready[1];
    const body = chatBody('fast');
    await warmUp(client, origin, body, 2000, 16);
    const meter = new CpuMeter([process.pid, server.pid]);
    const start = meter.snapshot();
    const ticks = processTicks(server.pid);
    const fixed = await fixedRate(client, origin, body, RATE, RATE_SECONDS);
    const cpuMsPerRequest = ((processTicks(server.pid) - ticks) * 10) / Math.max(1, fixed.ok);
    const foreignCores = meter.foreignCores(start);
    const closed = await maxThroughput(origin, body, CONNECTIONS, THROUGHPUT_SECONDS);
    const latency = summarise(fixed.latencies);
    const writes = spool ? await spoolWrites(origin) : null;
    return {
      spool,
      cpuMsPerRequest: round(cpuMsPerRequest),
      p50: latency.p50,
      p99: latency.p99,
      rps: Math.round(closed.ok / closed.seconds),
      errors: fixed.errors + closed.errors,
      foreignCores,
      ...(writes
        ? { writes: writes.count, writeMeanUs: round((writes.sum / Math.max(1, writes.count)) * 1e6, 1) }
        : {}),
    };
  } finally {
    await server?.stop(15_000);
    await client.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};

async function main(): Promise<number> {
  const rounds = Number(process.argv[2] ?? 3);
  const fake = await spawnNode({ name: 'fake provider', args: [FAKE, '5', '50'], readyLine: /^READY (\{.*\})$/m });
  const { main: fakePort } = JSON.parse(fake.ready[1]) as { main: number };
  const results: Round[] = [];
  try {
    for (let i = 0; i < rounds; i++) {
      for (const spool of i % 2 === 0 ? [true, false] : [false, true]) {
        const result = await measure(fakePort, spool);
        results.push(result);
        process.stderr.write(`${JSON.stringify(result)}\n`);
      }
    }
  } finally {
    await fake.stop();
  }
  for (const spool of [true, false]) {
    const mine = results.filter((r) => r.spool === spool);
    process.stdout.write(
      `spool ${spool ? 'on ' : 'off'}: CPU ${median(mine.map((r) => r.cpuMsPerRequest))} ms/request at ${RATE} req/s, ` +
        `p50 ${median(mine.map((r) => r.p50))} ms, p99 ${median(mine.map((r) => r.p99))} ms, ` +
        `max ${median(mine.map((r) => r.rps))} req/s (${CONNECTIONS} connections), medians of ${mine.length}` +
        (spool ? `; write(2) mean ${median(mine.map((r) => r.writeMeanUs ?? 0))} µs` : '') +
        '\n',
    );
  }
  return results.some((r) => r.errors > 0) ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
