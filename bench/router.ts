import { NatsRouterClient } from '@lessllm/messaging';
import { parseLabelledJsonl, RouterEngine } from '@lessllm/routing';
import type { RouterConfig, RoutingInput } from '@lessllm/shared';
import { connect } from 'nats';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import type { Agent } from 'undici';
import { fixedRate, warmUp, type LoadRun } from './load';
import { chatBody } from './payloads';
import { SETTINGS } from './settings';
import { concat, summarise, type LatencyStats } from './stats';

export interface RouterBenchResult {
  /** RouterEngine.decide in this process (features classifier). */
  inProcess: LatencyStats;
  /** One request/reply to the router service process over NATS, one in flight at a time. */
  nats: LatencyStats;
  /** Baseline, same run: the same requests answered by a bare nats.js echo in another process (the transport floor). */
  natsEcho: LatencyStats;
  natsErrors: number;
  natsFirstError?: string;
  /** Through the gateway at the fixed rate: `model: "auto"` (decision over NATS) vs the small tier's alias. */
  gatewayAuto: LatencyStats;
  gatewayFixed: LatencyStats;
  gatewayErrors: number;
  gatewayFirstError?: string;
}

const log = (line: string): void => void process.stderr.write(`${line}\n`);

/** The labelled prompts shipped for training: varied lengths, code, maths, chit-chat. */
function inputs() {
  const file = path.resolve(__dirname, '..', '..', 'eval', 'router', 'train.jsonl');
  return parseLabelledJsonl(readFileSync(file, 'utf8'), file).map((e) => e.input);
}

/**
 * The same payloads through NATS request/reply to a process that only echoes them (nats.js, no Nest, no
 * classifier): what the transport and this machine's scheduling cost by themselves.
 */
async function echoBaseline(
  natsUrl: string,
  inputs: RoutingInput[],
  warmup: number,
  count: number,
): Promise<LatencyStats> {
  const natsModule = require.resolve('nats');
  const responder = spawn(
    process.execPath,
    [
      '-e',
      `const { connect } = require(${JSON.stringify(natsModule)});
       connect({ servers: ${JSON.stringify(natsUrl)} }).then((nc) => {
         nc.subscribe('lessllm.bench.echo', { callback: (_e, m) => m.respond(m.data) });
         nc.flush().then(() => console.log('ready'));
       });
       process.stdin.once('end', () => process.exit(0)).resume();`,
    ],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  try {
    await once(responder.stdout, 'data');
    const nc = await connect({ servers: natsUrl });
    const latencies: number[] = [];
    for (let i = 0; i < warmup + count; i++) {
      const payload = Buffer.from(JSON.stringify({ pattern: 'echo', data: inputs[i % inputs.length], id: String(i) }));
      const t = performance.now();
      await nc.request('lessllm.bench.echo', payload, { timeout: 2000 });
      if (i >= warmup) latencies.push(performance.now() - t);
    }
    await nc.close();
    return summarise(latencies);
  } finally {
    responder.kill();
  }
}

export async function routerPhase(
  client: Agent,
  gateway: string,
  natsUrl: string,
  config: RouterConfig,
): Promise<RouterBenchResult> {
  const s = SETTINGS.router;
  const all = inputs();
  const engine = new RouterEngine(config, pino({ level: 'silent' }));
  const local: number[] = [];
  for (let i = 0; i < s.inProcessDecisions; i++) {
    const t = performance.now();
    await engine.decide(all[i % all.length]);
    local.push(performance.now() - t);
  }
  await engine.close();
  const inProcess = summarise(local.slice(s.inProcessDecisions / 10)); // the first tenth warms the JIT
  log(`  router: in-process p50 ${inProcess.p50.toFixed(3)} ms p99 ${inProcess.p99.toFixed(3)} ms`);

  const natsEcho = await echoBaseline(natsUrl, all, s.natsWarmup, s.natsDecisions);
  log(`  router: NATS echo baseline p50 ${natsEcho.p50.toFixed(3)} ms p99 ${natsEcho.p99.toFixed(3)} ms`);

  const nats = new NatsRouterClient(natsUrl);
  await nats.connect();
  const remote: number[] = [];
  let natsErrors = 0;
  let natsFirstError: string | undefined;
  for (let i = 0; i < s.natsDecisions + s.natsWarmup; i++) {
    const t = performance.now();
    try {
      await nats.decide(all[i % all.length]);
      if (i >= s.natsWarmup) remote.push(performance.now() - t);
    } catch (err) {
      natsErrors++;
      natsFirstError ??= (err as Error).message;
    }
  }
  await nats.close();
  const natsStats = summarise(remote);
  log(`  router: over NATS p50 ${natsStats.p50.toFixed(3)} ms p99 ${natsStats.p99.toFixed(3)} ms errors ${natsErrors}`);

  const auto = chatBody('auto');
  const fixed = chatBody('tier-small');
  await warmUp(client, gateway, auto, 1000);
  await warmUp(client, gateway, fixed, 1000);
  const runs: { auto: LoadRun[]; fixed: LoadRun[] } = { auto: [], fixed: [] };
  const { rps, seconds } = SETTINGS.fixedRate;
  for (let round = 0; round < SETTINGS.rounds; round++) {
    const order = round % 2 === 0 ? (['fixed', 'auto'] as const) : (['auto', 'fixed'] as const);
    for (const kind of order) {
      const run = await fixedRate(client, gateway, kind === 'auto' ? auto : fixed, rps, seconds);
      runs[kind].push(run);
      const p = summarise(run.latencies);
      log(
        `  router  round ${round + 1}  model ${kind.padEnd(5)} p50 ${p.p50.toFixed(3)} ms  p99 ${p.p99.toFixed(3)} ms  errors ${run.errors}`,
      );
    }
  }
  const every = [...runs.auto, ...runs.fixed];
  return {
    inProcess,
    nats: natsStats,
    natsEcho,
    natsErrors,
    natsFirstError,
    gatewayAuto: summarise(concat(runs.auto.map((r) => r.latencies))),
    gatewayFixed: summarise(concat(runs.fixed.map((r) => r.latencies))),
    gatewayErrors: every.reduce((n, r) => n + r.errors, 0),
    gatewayFirstError: every.find((r) => r.firstError)?.firstError,
  };
}
