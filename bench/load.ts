import autocannon from 'autocannon';
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, request } from 'undici';
import { CHAT_PATH, HEADERS } from './payloads';

/** Outcome of one load run against one target. Latencies are in ms, successful (2xx) requests only. */
export interface LoadRun {
  ok: number;
  /** Transport errors, timeouts and non-2xx responses. */
  errors: number;
  firstError?: string;
  seconds: number;
  latencies: number[];
}

/** The client side for open-loop runs: keep-alive pools with room for every concurrent request. */
export function createClient(): Agent {
  return new Agent({
    connections: 2048,
    pipelining: 1,
    keepAliveTimeout: 30_000,
    headersTimeout: 15_000,
    bodyTimeout: 15_000,
  });
}

/** One POST to the chat path, body read to the end; resolves to the latency in ms, or throws. */
async function post(client: Agent, origin: string, body: string): Promise<number> {
  const started = performance.now();
  const res = await request(`${origin}${CHAT_PATH}`, { method: 'POST', headers: HEADERS, body, dispatcher: client });
  await res.body.arrayBuffer();
  if (res.statusCode < 200 || res.statusCode > 299) throw new Error(`HTTP ${res.statusCode}`);
  return performance.now() - started;
}

function recorder(): { run: LoadRun; track(p: Promise<number>): Promise<void> } {
  const run: LoadRun = { ok: 0, errors: 0, seconds: 0, latencies: [] };
  const track = (p: Promise<number>): Promise<void> =>
    p.then(
      (ms) => {
        run.ok++;
        run.latencies.push(ms);
      },
      (err: unknown) => {
        run.errors++;
        run.firstError ??= err instanceof Error ? err.message : String(err);
      },
    );
  return { run, track };
}

/** `count` requests with `concurrency` in flight (JIT and connection-pool warm-up). */
export async function warmUp(
  client: Agent,
  origin: string,
  body: string,
  count: number,
  concurrency = 8,
): Promise<LoadRun> {
  const { run, track } = recorder();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next++ < count) await track(post(client, origin, body));
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return run;
}

/**
 * Open-loop load (bodies sent in turn when several): sends at a fixed rate whatever the responses do (no coordinated omission from waiting on slow
 * responses). Latency is measured from the moment each request is handed to undici.
 */
export async function fixedRate(
  client: Agent,
  origin: string,
  body: string | readonly string[],
  rps: number,
  seconds: number,
): Promise<LoadRun> {
  const bodies = typeof body === 'string' ? [body] : body;
  const { run, track } = recorder();
  const total = Math.round(rps * seconds);
  const interval = 1000 / rps;
  const inFlight: Array<Promise<void>> = [];
  const started = performance.now();
  let sent = 0;
  while (sent < total) {
    const due = Math.min(total, Math.floor((performance.now() - started) / interval) + 1);
    for (; sent < due; sent++) inFlight.push(track(post(client, origin, bodies[sent % bodies.length])));
    await sleep(1);
  }
  await Promise.all(inFlight);
  run.seconds = (performance.now() - started) / 1000;
  return run;
}

/** Closed-loop load with autocannon: `connections` keep-alive connections, each sending as fast as answers come. */
export function maxThroughput(
  origin: string,
  body: string,
  connections: number,
  seconds: number,
  target: { path: string; headers: Record<string, string> } = { path: CHAT_PATH, headers: HEADERS },
): Promise<LoadRun> {
  const run: LoadRun = { ok: 0, errors: 0, seconds, latencies: [] };
  return new Promise<LoadRun>((resolve, reject) => {
    const instance = autocannon(
      {
        url: `${origin}${target.path}`,
        method: 'POST',
        headers: target.headers,
        body,
        connections,
        duration: seconds,
        timeout: 10,
      },
      (err: unknown, result) => {
        if (err) return reject(err instanceof Error ? err : new Error('autocannon failed', { cause: err }));
        run.ok = result['2xx'];
        run.errors = result.errors + result.non2xx;
        run.seconds = result.duration;
        if (run.errors > 0)
          run.firstError = `${result.errors} errors (${result.timeouts} timeouts), ${result.non2xx} non-2xx`;
        resolve(run);
      },
    );
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      if (statusCode >= 200 && statusCode <= 299) run.latencies.push(responseTime);
    });
  });
}
