import { Agent, request } from 'undici';
import { ANTHROPIC_MODEL, CALLER_KEY, type ChaosSettings, OPENAI_MODEL } from './settings';

/**
 * The suite's callers: mixed LLM calls (OpenAI Chat Completions, Anthropic Messages, OpenAI Responses; streamed or
 * not; some cacheable; some translated to the other provider's format) sent with undici, and a ledger of what each
 * caller saw. A call is
 *  - `answered` when its answer arrived whole (status, headers with x-request-id, the body to its end): it must get
 *    exactly one row;
 *  - `cut` when the headers came (so the gateway took it) but the body broke off (its process died, or a drain cut
 *    a stream): a graceful end must still record it (as aborted), a kill -9 may not;
 *  - `unanswered` when no response came at all (connection refused or reset: the gateway was down or going).
 */
export type CallKind = 'chat' | 'messages' | 'responses';
export type Outcome = 'answered' | 'cut' | 'unanswered';

export interface CallRecord {
  /** Which traffic: the mixed load, or a fault's own calls (2 MB prompts, slow readers...). */
  group: string;
  kind: CallKind;
  stream: boolean;
  cacheable: boolean;
  model: string;
  outcome: Outcome;
  status: number | null;
  requestId: string | null;
  /** x-lessllm-cache (hit, miss, bypass...) when the gateway said. */
  cache: string | null;
  bytes: number;
  /** performance.now() at send, and the whole call's duration. */
  startedAt: number;
  ms: number;
  error: string | null;
  /** Connection attempts refused before this one got through (the service was down: retried, nothing was sent). */
  refusedAttempts: number;
}

export interface CallSpec {
  group: string;
  kind: CallKind;
  stream: boolean;
  cacheable: boolean;
  model: string;
  /** The prompt (the user turn). */
  prompt: string;
  /** Per-call timeout of the whole exchange (default 120 s). */
  timeoutMs?: number;
  /** Called when the response head arrived. */
  onHeaders?: (status: number) => void;
}

const PATHS: Record<CallKind, string> = {
  chat: '/v1/chat/completions',
  messages: '/v1/messages',
  responses: '/v1/responses',
};

export function requestBody(spec: CallSpec): Record<string, unknown> {
  const temperature = spec.cacheable ? 0 : 0.7;
  switch (spec.kind) {
    case 'chat':
      return {
        model: spec.model,
        stream: spec.stream,
        temperature,
        max_tokens: 64,
        messages: [
          { role: 'system', content: 'You are a terse assistant.' },
          { role: 'user', content: spec.prompt },
        ],
      };
    case 'messages':
      return {
        model: spec.model,
        stream: spec.stream,
        temperature,
        max_tokens: 64,
        system: 'You are a terse assistant.',
        messages: [{ role: 'user', content: spec.prompt }],
      };
    case 'responses':
      return {
        model: spec.model,
        stream: spec.stream,
        temperature,
        max_output_tokens: 64,
        instructions: 'You are a terse assistant.',
        input: spec.prompt,
        store: false,
      };
  }
}

function headersFor(kind: CallKind): Record<string, string> {
  const common = { 'content-type': 'application/json' };
  return kind === 'messages'
    ? { ...common, 'x-api-key': CALLER_KEY, 'anthropic-version': '2023-06-01' }
    : { ...common, authorization: `Bearer ${CALLER_KEY}` };
}

const header = (h: Record<string, string | string[] | undefined>, name: string): string | null => {
  const v = h[name];
  return v === undefined ? null : Array.isArray(v) ? (v[0] ?? null) : v;
};

/** Sends one call and reads its answer to the end; never throws. */
export async function sendCall(origin: string, dispatcher: Agent, spec: CallSpec): Promise<CallRecord> {
  const startedAt = performance.now();
  const record: CallRecord = {
    group: spec.group,
    kind: spec.kind,
    stream: spec.stream,
    cacheable: spec.cacheable,
    model: spec.model,
    outcome: 'unanswered',
    status: null,
    requestId: null,
    cache: null,
    bytes: 0,
    startedAt,
    ms: 0,
    error: null,
    refusedAttempts: 0,
  };
  const timeoutMs = spec.timeoutMs ?? 120_000;
  // A refused connection never reached the service (it is down or restarting): like a client behind a load
  // balancer, try again for a while. Anything else (a reset, a timeout) may have reached it and is not retried.
  const refusedUntil = startedAt + REFUSED_RETRY_MS;
  for (;;) {
    await attempt(origin, dispatcher, spec, record, timeoutMs);
    if (record.outcome !== 'unanswered' || !record.error?.includes('ECONNREFUSED') || performance.now() > refusedUntil)
      break;
    record.refusedAttempts++;
    record.error = null;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  record.ms = performance.now() - startedAt;
  return record;
}

/** How long a call keeps trying a refused connection. */
const REFUSED_RETRY_MS = 30_000;

async function attempt(
  origin: string,
  dispatcher: Agent,
  spec: CallSpec,
  record: CallRecord,
  timeoutMs: number,
): Promise<void> {
  try {
    const res = await request(`${origin}${PATHS[spec.kind]}`, {
      method: 'POST',
      dispatcher,
      headers: headersFor(spec.kind),
      body: JSON.stringify(requestBody(spec)),
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
    record.status = res.statusCode;
    record.requestId = header(res.headers, 'x-request-id');
    record.cache = header(res.headers, 'x-lessllm-cache');
    record.outcome = 'cut';
    spec.onHeaders?.(res.statusCode);
    for await (const chunk of res.body) record.bytes += (chunk as Buffer).length;
    record.outcome = 'answered';
  } catch (err) {
    record.error =
      err instanceof Error ? `${err.name}: ${(err as { code?: string }).code ?? err.message}` : String(err);
  }
}

/** The i-th call of the mixed load. */
export function mixedSpec(i: number, random: () => number, s: ChaosSettings, group = 'mixed'): CallSpec {
  const kinds: CallKind[] = ['chat', 'messages', 'responses'];
  const kind = kinds[i % 3];
  const stream = random() < s.streamShare;
  const cacheable = random() < s.cacheableShare;
  const translated = random() < s.translatedShare;
  // Native: chat and responses to the OpenAI fake, messages to the Anthropic fake; translated: the other one.
  const native = kind === 'messages' ? ANTHROPIC_MODEL : OPENAI_MODEL;
  const other = kind === 'messages' ? OPENAI_MODEL : ANTHROPIC_MODEL;
  const model = translated ? other : native;
  const prompt = cacheable
    ? `Cacheable question number ${Math.floor(random() * s.cacheablePool)}: what is the capital of France?`
    : `Question ${i} (${Math.floor(random() * 1e9)}): summarise the plot of a novel in one line.`;
  return { group, kind, stream, cacheable, model, prompt };
}

export function newAgent(connections: number): Agent {
  return new Agent({ connections, keepAliveTimeout: 4_000, pipelining: 1 });
}
