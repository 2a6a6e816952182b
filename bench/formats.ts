import { processTicks } from './cpu-meter';
import { maxThroughput } from './load';
import { API_KEY, FORMAT_MODELS, SETTINGS } from './settings';
import { round, summarise } from './stats';

/**
 * The wire-format phase: one streamed answer (the fake's default reply, ~25 word deltas) through the gateway for each
 * caller x upstream format pair that matters, closed loop. What it answers: CPU per stream event of a Responses
 * stream against a Chat Completions stream (issue 10: "Responses streams add no more than the Chat Completions stream
 * path does per event"), same-format and translated.
 */
export interface FormatPairResult {
  pair: string;
  caller: string;
  upstream: string;
  rps: number;
  p50Ms: number;
  errors: number;
  /** SSE events the caller receives per stream (counted on one sample stream). */
  eventsPerStream: number;
  cpuUsPerRequest: number | null;
  cpuUsPerEvent: number | null;
}

const PROMPT =
  'Please summarise in one short paragraph why the invoice for March was charged twice after the plan upgrade and what the agent should do next';

interface Pair {
  pair: string;
  caller: 'openai-chat' | 'openai-responses' | 'anthropic-messages';
  upstream: 'openai-chat' | 'openai-responses';
  path: string;
  headers: Record<string, string>;
  body: string;
}

const bearer = { 'content-type': 'application/json', authorization: `Bearer ${API_KEY}` };

function pairs(): Pair[] {
  const chat = (model: string) =>
    JSON.stringify({
      model,
      messages: [{ role: 'user', content: PROMPT }],
      stream: true,
      stream_options: { include_usage: true },
    });
  const responses = (model: string) => JSON.stringify({ model, input: PROMPT, stream: true, store: false });
  const messages = (model: string) =>
    JSON.stringify({ model, max_tokens: 256, messages: [{ role: 'user', content: PROMPT }], stream: true });
  return [
    {
      pair: 'chat -> chat',
      caller: 'openai-chat',
      upstream: 'openai-chat',
      path: '/v1/chat/completions',
      headers: bearer,
      body: chat(FORMAT_MODELS.chat),
    },
    {
      pair: 'responses -> responses',
      caller: 'openai-responses',
      upstream: 'openai-responses',
      path: '/v1/responses',
      headers: bearer,
      body: responses(FORMAT_MODELS.responses),
    },
    {
      pair: 'responses -> chat',
      caller: 'openai-responses',
      upstream: 'openai-chat',
      path: '/v1/responses',
      headers: bearer,
      body: responses(FORMAT_MODELS.chat),
    },
    {
      pair: 'chat -> responses',
      caller: 'openai-chat',
      upstream: 'openai-responses',
      path: '/v1/chat/completions',
      headers: bearer,
      body: chat(FORMAT_MODELS.responses),
    },
    {
      pair: 'messages -> chat',
      caller: 'anthropic-messages',
      upstream: 'openai-chat',
      path: '/v1/messages',
      headers: { 'content-type': 'application/json', 'x-api-key': API_KEY, 'anthropic-version': '2023-06-01' },
      body: messages(FORMAT_MODELS.chat),
    },
  ];
}

async function eventsPerStream(gateway: string, p: Pair): Promise<number> {
  const res = await fetch(`${gateway}${p.path}`, { method: 'POST', headers: p.headers, body: p.body });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`${p.pair}: HTTP ${res.status} ${text.slice(0, 200)}`);
  return text.split('\n').filter((line) => line.startsWith('data:')).length;
}

export async function formatsPhase(gateway: string, gatewayPid: number): Promise<FormatPairResult[]> {
  const { connections, seconds } = SETTINGS.formats;
  const out: FormatPairResult[] = [];
  const list = pairs();
  const samples = await Promise.all(list.map((p) => eventsPerStream(gateway, p)));
  // Interleaved rounds (forward, then reverse), as in the other phases.
  const acc = list.map(() => ({ ok: 0, errors: 0, seconds: 0, ticks: 0, latencies: [] as number[] }));
  for (let roundNo = 0; roundNo < SETTINGS.rounds; roundNo++) {
    const order = list.map((_, i) => i);
    if (roundNo % 2 === 1) order.reverse();
    for (const i of order) {
      const before = processTicks(gatewayPid);
      const run = await maxThroughput(gateway, list[i].body, connections, seconds, {
        path: list[i].path,
        headers: list[i].headers,
      });
      acc[i].ticks += processTicks(gatewayPid) - before;
      acc[i].ok += run.ok;
      acc[i].errors += run.errors;
      acc[i].seconds += run.seconds;
      acc[i].latencies.push(...run.latencies);
      process.stderr.write(
        `  formats  round ${roundNo + 1}/${SETTINGS.rounds}  ${list[i].pair.padEnd(24)} ${(run.ok / run.seconds).toFixed(0).padStart(6)} req/s  errors ${run.errors}\n`,
      );
    }
  }
  list.forEach((p, i) => {
    const a = acc[i];
    const cpuUsPerRequest = a.ok > 0 ? round((a.ticks * 10_000) / a.ok, 1) : null;
    out.push({
      pair: p.pair,
      caller: p.caller,
      upstream: p.upstream,
      rps: round(a.ok / a.seconds, 1),
      p50Ms: summarise(a.latencies).p50,
      errors: a.errors,
      eventsPerStream: samples[i],
      cpuUsPerRequest,
      cpuUsPerEvent: cpuUsPerRequest === null ? null : round(cpuUsPerRequest / samples[i], 2),
    });
  });
  return out;
}
