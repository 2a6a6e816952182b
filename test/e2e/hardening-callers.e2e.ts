import type { CallEvent } from '@lessllm/shared';
import { parseConfig } from '@lessllm/shared';
import { connect, type Socket } from 'node:net';
import pino from 'pino';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type RunningGateway } from '../../apps/gateway/src/bootstrap';
import { startHostileUpstream, type HostileUpstream } from '../fakes/hostile-upstream';

// What a misbehaving caller can make the gateway hold: slow readers get backpressure (the upstream is not read
// ahead of them), unfinished requests are timed out in seconds, and bodies nested too deep are refused by name.

let upstream: HostileUpstream;
let gateway: RunningGateway;
const events: CallEvent[] = [];

beforeAll(async () => {
  upstream = await startHostileUpstream();
  const config = parseConfig(
    {
      server: { headers_timeout_s: 1, body_timeout_s: 2 },
      providers: { hostile: { type: 'openai', base_url: `${upstream.url}/v1`, api_key: 'sk-hostile' } },
      models: {
        'big-stream': { provider: 'hostile', model: 'big-stream@40' },
        small: { provider: 'hostile', model: 'small' },
      },
      retry: { max_retries: 0 },
    },
    {},
    true,
    'test',
  );
  gateway = await startGateway({ config, port: 0, host: '127.0.0.1', logger: pino({ level: 'silent' }) });
  gateway.bus.subscribe((event) => void events.push(event));
}, 30_000);

afterAll(async () => {
  await gateway?.stop();
  await upstream?.stop();
});

/** A raw HTTP/1.1 request on its own socket; the socket is returned paused (the caller reads nothing). */
function rawRequest(path: string, body: string, extraHead = ''): Socket {
  const socket = connect(gateway.port, '127.0.0.1');
  socket.write(
    `POST ${path} HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n${extraHead}\r\n${body}`,
  );
  socket.pause();
  return socket;
}

const closedWithin = (socket: Socket, ms: number): Promise<{ closed: boolean; data: string }> =>
  new Promise((resolve) => {
    let data = '';
    socket.resume();
    socket.on('data', (chunk: Buffer) => (data += chunk.toString()));
    const timer = setTimeout(() => resolve({ closed: false, data }), ms);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve({ closed: true, data });
    });
  });

describe('slow readers', () => {
  it('the upstream is read only as fast as the caller reads (backpressure), and the call is recorded', async () => {
    const body = JSON.stringify({ model: 'big-stream', stream: true, messages: [{ role: 'user', content: 'x' }] });
    const callers = Array.from({ length: 4 }, () => rawRequest('/v1/chat/completions', body));
    const total = 40 * 1024 * 1024 * 1.12; // 40 MB of deltas, framed
    // Wait until the upstream cannot write any more: it is held back, not drained.
    let last = -1;
    await expect
      .poll(
        () => {
          const now = upstream.written.get('big-stream@40') ?? 0;
          const settled = now > 0 && now === last;
          last = now;
          return settled;
        },
        { timeout: 20_000, interval: 500 },
      )
      .toBe(true);
    const written = upstream.written.get('big-stream@40')!;
    // Kernel socket buffers on loopback hold a few MB per connection; without backpressure all 160 MB would go.
    expect(written).toBeLessThan((callers.length * total) / 3);
    for (const socket of callers) socket.destroy();
    await expect
      .poll(() => events.filter((e) => e.requested_model === 'big-stream' && e.status === 'aborted').length, {
        timeout: 10_000,
      })
      .toBe(callers.length);
  }, 60_000);
});

describe('requests that never finish', () => {
  it('a body shorter than its content-length is cut after server.body_timeout_s', async () => {
    const socket = connect(gateway.port, '127.0.0.1');
    socket.write(
      'POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{"model":',
    );
    const t0 = performance.now();
    const outcome = await closedWithin(socket, 10_000);
    expect(outcome.closed).toBe(true);
    expect(performance.now() - t0).toBeLessThan(5_000);
    expect(outcome.data).toMatch(/^HTTP\/1\.1 408/);
  });

  it('a chunked body that stops is cut after server.body_timeout_s', async () => {
    const socket = connect(gateway.port, '127.0.0.1');
    socket.write(
      'POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n5\r\n{"mod\r\n',
    );
    const t0 = performance.now();
    const outcome = await closedWithin(socket, 10_000);
    expect(outcome.closed).toBe(true);
    expect(performance.now() - t0).toBeLessThan(5_000);
  });

  it('headers that never finish are cut after server.headers_timeout_s', async () => {
    const socket = connect(gateway.port, '127.0.0.1');
    socket.write('POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\n');
    const t0 = performance.now();
    const outcome = await closedWithin(socket, 10_000);
    expect(outcome.closed).toBe(true);
    expect(performance.now() - t0).toBeLessThan(3_500);
  });
});

describe('bodies nested too deep', () => {
  /** JSON text nested `levels` x 2 deep (JSON.stringify itself could not build it). */
  const deep = (levels: number): string =>
    `${'{"type":"object","properties":{"next":'.repeat(levels)}{"type":"string"}${'}}'.repeat(levels)}`;

  for (const [path, body, field] of [
    [
      '/v1/chat/completions',
      `{"model":"small","messages":[{"role":"user","content":"x"}],"tools":[{"type":"function","function":{"name":"f","parameters":${deep(6_000)}}}]}`,
      /^tools\[0\]\.function\.parameters(\.properties\.next)+/,
    ],
    [
      '/v1/messages',
      `{"model":"small","max_tokens":10,"messages":[{"role":"user","content":"x"}],"metadata":${deep(5_000)}}`,
      /^metadata\./,
    ],
    ['/v1/responses', `{"model":"small","input":"x","text":{"format":${deep(5_000)}}}`, /^text\.format\./],
    [
      '/v1/chat/completions',
      `{"model":"small","messages":[{"role":"user","content":"x"}],"extra_unknown":${deep(10_000)}}`,
      /^extra_unknown\./,
    ],
  ] as const) {
    it(`${path}: a 400 naming the field, and the call is recorded (${String(field)})`, async () => {
      expect(() => JSON.stringify(JSON.parse(body))).toThrow(RangeError); // the fault is real
      const res = await request(`${gateway.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
        body,
      });
      const answer = (await res.body.json()) as { error: { message: string; param?: string; type: string } };
      expect(res.statusCode).toBe(400);
      expect(answer.error.message).toMatch(/nested deeper than 256 levels/);
      const param = answer.error.param ?? answer.error.message.match(/'([^']+)'/)![1];
      expect(param).toMatch(field);
      const requestId = res.headers['x-request-id'] as string;
      await expect.poll(() => events.some((e) => e.request_id === requestId)).toBe(true);
      const event = events.find((e) => e.request_id === requestId)!;
      expect(event).toMatchObject({ status: 'error', http_status: 400, request: { lessllm_truncated: true } });
      expect(() => JSON.stringify(event)).not.toThrow();
    });
  }
});

describe('bodies that are not JSON', () => {
  for (const path of ['/v1/chat/completions', '/v1/messages', '/v1/responses', '/v1/embeddings']) {
    it(`${path}: a 400 naming body, in the caller's format, and the call is recorded`, async () => {
      const body = '{"model":"small","messages":[{"role":"user","content":"x"}';
      expect(() => JSON.parse(body) as unknown).toThrow(SyntaxError); // the fault is real
      const res = await request(`${gateway.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
        body,
      });
      const answer = (await res.body.json()) as { type?: string; error: { message: string; type: string } };
      expect(res.statusCode).toBe(400);
      expect(answer.error.message).toMatch(/request body is not valid JSON/);
      // Anthropic's error envelope on /v1/messages, OpenAI's elsewhere.
      if (path === '/v1/messages') expect(answer.type).toBe('error');
      else expect(answer.type).toBeUndefined();
      const requestId = res.headers['x-request-id'] as string;
      await expect.poll(() => events.some((e) => e.request_id === requestId)).toBe(true);
      const event = events.find((e) => e.request_id === requestId)!;
      expect(event).toMatchObject({
        status: 'error',
        http_status: 400,
        request: { lessllm_truncated: true, reason: 'refused: not valid JSON' },
      });
    });
  }

  it('a route that is not a call (the cache admin) still refuses it plainly', async () => {
    const res = await request(`${gateway.url}/v1/admin/cache/purge`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"all":',
    });
    const answer = (await res.body.json()) as { error: { message: string } };
    expect(res.statusCode).toBe(400);
    expect(answer.error.message).toMatch(/request body is not valid JSON/);
  });
});
