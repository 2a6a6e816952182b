import { setMaxListeners } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, request } from 'undici';
import { CHAT_PATH, HEADERS, chatBody } from './payloads';
import { rssMb } from './processes';
import { SETTINGS } from './settings';
import { type LatencyStats, round, summarise } from './stats';

export interface MemoryResult {
  streams: number;
  /** 200, whole body read, ended with `data: [DONE]`. */
  completed: number;
  failed: number;
  firstError?: string;
  /** Most streams that had their response head and were not yet finished, at one time. */
  maxOpen: number;
  rssBeforeMb: number;
  rssPeakMb: number;
  /** Median RSS over the samples taken while every stream was open. */
  rssPlateauMb: number;
  /** Stream durations in seconds. */
  streamSeconds: LatencyStats;
  samples: Array<{ s: number; rssMb: number; open: number }>;
}

/** One long stream, read to the end; resolves to its duration in ms. */
async function oneStream(
  client: Agent,
  url: string,
  body: string,
  signal: AbortSignal,
  open: (delta: number) => void,
): Promise<number> {
  const started = performance.now();
  const res = await request(url, { method: 'POST', headers: HEADERS, body, dispatcher: client, signal });
  if (res.statusCode !== 200) {
    await res.body.dump();
    throw new Error(`HTTP ${res.statusCode}`);
  }
  open(1);
  let tail = '';
  try {
    for await (const chunk of res.body) tail = (tail + (chunk as Buffer).toString('utf8')).slice(-64);
  } finally {
    open(-1);
  }
  if (!tail.includes('data: [DONE]')) throw new Error(`stream ended without [DONE]: ${JSON.stringify(tail)}`);
  return performance.now() - started;
}

/** 4: holds SETTINGS.memory.streams ~10 s streams open through the gateway and samples its RSS meanwhile. */
export async function memoryPhase(origin: string, pid: number, models: readonly string[]): Promise<MemoryResult> {
  const m = SETTINGS.memory;
  const client = new Agent({
    connections: m.streams + 100,
    pipelining: 1,
    headersTimeout: m.timeoutMs,
    bodyTimeout: m.timeoutMs,
  });
  const signal = AbortSignal.timeout(m.timeoutMs);
  setMaxListeners(m.streams + 10, signal); // one listener per stream is expected, not a leak
  const rssBeforeMb = rssMb(pid);
  const samples: MemoryResult['samples'] = [];
  let open = 0;
  let maxOpen = 0;
  const onOpen = (delta: number): void => {
    open += delta;
    maxOpen = Math.max(maxOpen, open);
  };
  const t0 = performance.now();
  const sample = (): void =>
    void samples.push({ s: round((performance.now() - t0) / 1000, 1), rssMb: round(rssMb(pid), 1), open });
  const sampler = setInterval(sample, m.sampleEveryMs);

  // Settled at once, so a stream failing while others are still being opened is not an unhandled rejection.
  const tasks: Array<Promise<{ ms: number } | { error: string }>> = [];
  try {
    for (let i = 0; i < m.streams; i++) {
      if (i > 0 && i % m.batch === 0) await sleep(m.batchEveryMs);
      const body = chatBody(models[i % models.length], true);
      tasks.push(
        oneStream(client, `${origin}${CHAT_PATH}`, body, signal, onOpen).then(
          (ms) => ({ ms }),
          (err: unknown) => ({ error: err instanceof Error ? err.message : String(err) }),
        ),
      );
    }
    const outcomes = await Promise.all(tasks);
    sample();
    const durations = outcomes.flatMap((o) => ('ms' in o ? [o.ms / 1000] : []));
    const firstFailure = outcomes.find((o) => 'error' in o);
    const plateau = samples.filter((s) => s.open === m.streams).map((s) => s.rssMb);
    return {
      streams: m.streams,
      completed: durations.length,
      failed: m.streams - durations.length,
      firstError: firstFailure && 'error' in firstFailure ? firstFailure.error : undefined,
      maxOpen,
      rssBeforeMb: round(rssBeforeMb, 1),
      rssPeakMb: Math.max(...samples.map((s) => s.rssMb)),
      rssPlateauMb: plateau.length ? summarise(plateau).p50 : Number.NaN,
      streamSeconds: summarise(durations),
      samples,
    };
  } finally {
    clearInterval(sampler);
    await client.destroy();
  }
}
