import net from 'node:net';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { standardConfig, startHarness, type Harness } from '../support/harness';

let h: Harness;

beforeAll(async () => {
  h = await startHarness((fakes) => standardConfig(fakes));
});
afterAll(() => h.stop());

interface Case {
  name: string;
  path: string;
  body: string | Buffer;
  headers?: Record<string, string>;
  status: number;
  /** Expected error fields, in the route's own format. */
  expect: Record<string, unknown>;
}

const OPENAI = '/v1/chat/completions';
const ANTHROPIC = '/v1/messages';
const KEY = { authorization: 'Bearer team-a-key-123' };
const chat = (body: unknown) => JSON.stringify(body);
const hi = [{ role: 'user', content: 'hi' }];

const CASES: Case[] = [
  {
    name: 'broken JSON (OpenAI)',
    path: OPENAI,
    body: '{"model": "gpt-4o", "messages": [',
    status: 400,
    expect: { type: 'invalid_request_error', param: 'body' },
  },
  {
    name: 'broken JSON (Anthropic)',
    path: ANTHROPIC,
    body: '{oops',
    status: 400,
    expect: { type: 'invalid_request_error' },
  },
  { name: 'body is an array', path: OPENAI, body: '[1,2]', status: 400, expect: { param: 'body' } },
  {
    name: 'model has the wrong type',
    path: OPENAI,
    body: chat({ model: 123, messages: hi }),
    status: 400,
    expect: { param: 'model' },
  },
  {
    name: 'messages missing',
    path: OPENAI,
    body: chat({ model: 'gpt-4o' }),
    status: 400,
    expect: { param: 'messages', code: 'missing_required_parameter' },
  },
  {
    name: 'messages empty',
    path: OPENAI,
    body: chat({ model: 'gpt-4o', messages: [] }),
    status: 400,
    expect: { param: 'messages' },
  },
  {
    name: 'unknown role',
    path: OPENAI,
    body: chat({ model: 'gpt-4o', messages: [{ role: 'robot', content: 'x' }] }),
    status: 400,
    expect: { param: 'messages[0].role' },
  },
  {
    name: 'temperature is a string',
    path: OPENAI,
    body: chat({ model: 'gpt-4o', messages: hi, temperature: 'hot' }),
    status: 400,
    expect: { param: 'temperature' },
  },
  {
    name: 'stream is not a boolean',
    path: OPENAI,
    body: chat({ model: 'gpt-4o', messages: hi, stream: 'yes' }),
    status: 400,
    expect: { param: 'stream' },
  },
  {
    name: 'max_tokens missing (Anthropic)',
    path: ANTHROPIC,
    body: chat({ model: 'claude', messages: hi }),
    status: 400,
    expect: { type: 'invalid_request_error', messageIncludes: 'max_tokens' },
  },
  {
    name: 'n=2 cannot be served by Anthropic',
    path: OPENAI,
    body: chat({ model: 'claude', messages: hi, n: 2 }),
    status: 400,
    expect: { param: 'n' },
  },
  {
    name: 'unknown model (OpenAI) lists the available ones',
    path: OPENAI,
    body: chat({ model: 'gpt-9', messages: hi }),
    status: 404,
    expect: { param: 'model', code: 'model_not_found', messageIncludes: 'Available models: gpt-4o, claude' },
  },
  {
    name: 'unknown model (Anthropic)',
    path: ANTHROPIC,
    body: chat({ model: 'gpt-9', max_tokens: 5, messages: hi }),
    status: 404,
    expect: { type: 'not_found_error' },
  },
  {
    name: 'missing key',
    path: OPENAI,
    body: chat({ model: 'gpt-4o', messages: hi }),
    headers: { authorization: '' },
    status: 401,
    expect: { type: 'authentication_error', code: 'missing_api_key' },
  },
  {
    name: 'wrong key',
    path: OPENAI,
    body: chat({ model: 'gpt-4o', messages: hi }),
    headers: { authorization: 'Bearer nope-nope-nope' },
    status: 401,
    expect: { code: 'invalid_api_key' },
  },
  {
    name: 'wrong key (Anthropic)',
    path: ANTHROPIC,
    body: chat({ model: 'claude', max_tokens: 5, messages: hi }),
    headers: { authorization: '', 'x-api-key': 'nope-nope-nope' },
    status: 401,
    expect: { type: 'authentication_error' },
  },
  {
    name: 'text/plain body',
    path: OPENAI,
    body: 'model=gpt-4o',
    headers: { 'content-type': 'text/plain' },
    status: 400,
    expect: { param: 'body', messageIncludes: 'content-type: application/json' },
  },
  {
    name: 'unsupported content-type',
    path: OPENAI,
    body: '<model/>',
    headers: { 'content-type': 'application/xml' },
    status: 415,
    expect: { param: 'content-type' },
  },
  {
    name: 'unknown route',
    path: '/v1/completions-nope',
    body: '{}',
    status: 404,
    expect: { type: 'invalid_request_error' },
  },
  {
    name: 'body over the 32 MB limit',
    path: OPENAI,
    body: Buffer.alloc(33 * 1024 * 1024, 0x20),
    status: 413,
    expect: { code: 'request_too_large' },
  },
];

describe('bad input gets a clear error in the caller API format', () => {
  it.each(CASES)('$name -> $status', async (c) => {
    const res = await request(`${h.gateway.url}${c.path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...KEY, ...c.headers },
      body: c.body,
    });
    const body = (await res.body.json()) as Record<string, any>;
    expect(res.statusCode).toBe(c.status);
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const anthropic = c.path === ANTHROPIC;
    const error = body.error;
    if (anthropic) expect(body.type).toBe('error');
    const { messageIncludes, ...fields } = c.expect;
    expect(error).toMatchObject(fields);
    expect(typeof error.message).toBe('string');
    if (messageIncludes) expect(error.message).toContain(messageIncludes);
    expect(JSON.stringify(body)).not.toContain('team-a-key-123');
  });

  it('records rejected-but-authenticated calls, and nothing reached a provider', async () => {
    const providerCalls = h.openai.requests.length + h.anthropic.requests.length;
    const res = await request(`${h.gateway.url}${OPENAI}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...KEY },
      body: chat({ model: 'gpt-9', messages: hi }),
    });
    await res.body.dump();
    const event = await h.eventFor(String(res.headers['x-request-id']));
    expect(event).toMatchObject({
      status: 'error',
      http_status: 404,
      error_type: 'model_not_found',
      requested_model: 'gpt-9',
      tenant: 'team-a',
    });
    expect(h.openai.requests.length + h.anthropic.requests.length).toBe(providerCalls);
  });

  it('survives a client that hangs up halfway through sending its body', async () => {
    const socket = net.connect(h.gateway.port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write(
      `POST ${OPENAI} HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\nauthorization: Bearer team-a-key-123\r\ncontent-length: 5000\r\n\r\n{"model":"gpt-4o","mess`,
    );
    socket.destroy();
    const res = await request(`${h.gateway.url}${OPENAI}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...KEY },
      body: chat({ model: 'gpt-4o', messages: hi }),
    });
    expect(res.statusCode).toBe(200);
    await res.body.dump();
  });
});
