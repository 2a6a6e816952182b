import type { AppLogger, CallEvent } from '@lessllm/shared';
import { connect, type JetStreamManager, type NatsConnection } from 'nats';
import { Writable } from 'node:stream';
import pino from 'pino';
import { CALLS_DLQ_STREAM, CALLS_STREAM, type DeadLetter } from '../src';

export function makeEvent(i: number, prefix = 'req'): CallEvent {
  return {
    version: 2,
    request_id: `${prefix}-${String(i).padStart(6, '0')}`,
    timestamp: new Date(1_700_000_000_000 + i).toISOString(),
    endpoint: 'chat.completions',
    caller_format: 'openai-chat',
    upstream_format: 'openai-chat',
    tenant: 'team-a',
    user_id: null,
    requested_model: 'fast',
    model: 'gpt-4o-mini',
    provider: 'openai',
    provider_type: null,
    is_streaming: false,
    status: 'success',
    http_status: 200,
    error_type: null,
    error_message: null,
    request: { messages: [{ role: 'user', content: `hello ${i}` }] },
    response: { choices: [{ message: { role: 'assistant', content: 'hi' } }] },
    usage: {
      prompt_tokens: 10,
      completion_tokens: 2,
      total_tokens: 12,
      cached_tokens: 0,
      cache_creation_tokens: 0,
      reasoning_tokens: null,
    },
    usage_raw: null,
    output_chunks: 0,
    timing: {
      started_at_ms: 1_700_000_000_000 + i,
      dns_ms: null,
      connect_ms: null,
      proxy_ms: null,
      tls_ms: null,
      connection_reused: true,
      upstream_headers_ms: 5,
      first_token_ms: null,
      total_ms: 6,
    },
    attempts: [],
    egress: 'direct',
  };
}

export interface LogLine {
  level: string;
  msg: string;
  [key: string]: unknown;
}

/** A pino logger whose lines the test can read. */
export function captureLogger(): { logger: AppLogger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as LogLine);
      done();
    },
  });
  const logger = pino({ level: 'debug', formatters: { level: (label) => ({ level: label }) } }, sink);
  return { logger, lines };
}

/** A plain client for assertions and setup, independent of the code under test. */
export async function adminClient(url: string): Promise<{ nc: NatsConnection; jsm: JetStreamManager }> {
  const nc = await connect({ servers: url, maxReconnectAttempts: -1, reconnectTimeWait: 100 });
  return { nc, jsm: await nc.jetstreamManager() };
}

export async function deleteStreams(jsm: JetStreamManager): Promise<void> {
  for (const name of [CALLS_STREAM, CALLS_DLQ_STREAM]) await jsm.streams.delete(name).catch(() => false);
}

export async function streamCount(jsm: JetStreamManager, stream: string): Promise<number> {
  try {
    return (await jsm.streams.info(stream)).state.messages;
  } catch {
    return 0;
  }
}

/** Every message of a stream, in stream order, parsed as JSON. */
export async function readStream<T>(jsm: JetStreamManager, stream: string): Promise<T[]> {
  const info = await jsm.streams.info(stream);
  const out: T[] = [];
  for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
    const msg = await jsm.streams.getMessage(stream, { seq });
    out.push(JSON.parse(Buffer.from(msg.data).toString('utf8')) as T);
  }
  return out;
}

export const readDeadLetters = (jsm: JetStreamManager): Promise<DeadLetter[]> =>
  readStream<DeadLetter>(jsm, CALLS_DLQ_STREAM);

export async function waitFor(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
