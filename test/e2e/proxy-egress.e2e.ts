import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { standardConfig, startHarness, type Harness } from '../support/harness';
import { freePort, startDante, startMicrosocks, startTinyproxy, type RunningProxy } from '../support/proxies';

// The gateway reaching providers through real proxy servers (tinyproxy, microsocks, danted) on loopback.
let tiny: RunningProxy;
let socks5: RunningProxy;
let dante: RunningProxy;
let deadPort: number;

beforeAll(async () => {
  [tiny, socks5, dante, deadPort] = await Promise.all([
    startTinyproxy({ user: 'alice', password: 's3cret-pw' }),
    startMicrosocks({ user: 'bob', password: 'p@ss:word' }),
    startDante(),
    freePort(),
  ]);
});
afterAll(async () => {
  await Promise.all([tiny?.stop(), socks5?.stop(), dante?.stop()]);
});

async function withGateway(
  proxy: Record<string, unknown>,
  run: (h: Harness, client: OpenAI) => Promise<void>,
  providerProxy?: unknown,
) {
  const h = await startHarness((fakes) => {
    const base = standardConfig(fakes);
    const providers = base.providers as Record<string, Record<string, unknown>>;
    if (providerProxy !== undefined) providers.openai = { ...providers.openai, proxy: providerProxy };
    return { ...base, proxy };
  });
  try {
    await run(h, new OpenAI({ baseURL: `${h.gateway.url}/v1`, apiKey: 'team-a-key-123', maxRetries: 0 }));
  } finally {
    await h.stop();
  }
}

const ask = (client: OpenAI) =>
  client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'via proxy' }] });
const wrongPassword = (url: string, password: string) => url.replace(encodeURIComponent(password), 'wrong-pw');

describe('egress through real proxies', () => {
  it('HTTP proxy with basic auth: the call tunnels through it and the event names it (password masked)', async () => {
    await withGateway({ http_proxy: tiny.url }, async (h, client) => {
      const res = await ask(client);
      expect(res.choices[0].message.content).toBe('echo: via proxy');
      const event = h.events.at(-1)!;
      expect(event.egress).toBe(`http://alice:***@127.0.0.1:${tiny.port}`);
      expect(event.timing.proxy_ms).not.toBeNull();
      expect(event.timing.connection_reused).toBe(false);
      expect(await tiny.log()).toMatch(/CONNECT/);
    });
  });

  it('SOCKS5 with username/password', async () => {
    await withGateway({ socks_proxy: socks5.url }, async (h, client) => {
      expect((await ask(client)).choices[0].message.content).toBe('echo: via proxy');
      expect(h.events.at(-1)!.egress).toContain(`127.0.0.1:${socks5.port}`);
    });
  });

  it('SOCKS4 (danted)', async () => {
    await withGateway({ socks_proxy: dante.url.replace('socks5:', 'socks4:') }, async (_h, client) => {
      expect((await ask(client)).choices[0].message.content).toBe('echo: via proxy');
    });
  });

  it('wrong proxy password: 502 naming the provider, the proxy (masked) and the stage', async () => {
    await withGateway({ http_proxy: wrongPassword(tiny.url, 's3cret-pw') }, async (_h, client) => {
      const err = (await ask(client).catch((e: unknown) => e)) as InstanceType<typeof OpenAI.APIError>;
      expect(err.status).toBe(502);
      expect(err.message).toContain('openai');
      expect(err.message).toContain(`http://alice:***@127.0.0.1:${tiny.port}`);
      expect(err.message).toMatch(/proxy_auth|authentication/);
      expect(err.message).not.toContain('wrong-pw');
      expect(err.code).toBe('upstream_proxy_auth');
    });
  });

  it('SOCKS5 wrong password is reported as an authentication failure', async () => {
    await withGateway({ socks_proxy: wrongPassword(socks5.url, 'p@ss:word') }, async (_h, client) => {
      const err = (await ask(client).catch((e: unknown) => e)) as InstanceType<typeof OpenAI.APIError>;
      expect(err.status).toBe(502);
      expect(err.message).toMatch(/authentication/);
    });
  });

  it('proxy down: 502 with the proxy_connect stage', async () => {
    await withGateway({ http_proxy: `http://127.0.0.1:${deadPort}` }, async (_h, client) => {
      const err = (await ask(client).catch((e: unknown) => e)) as InstanceType<typeof OpenAI.APIError>;
      expect(err.status).toBe(502);
      expect(err.message).toContain('connection refused');
      expect(err.code).toBe('upstream_proxy_connect');
    });
  });

  it('tries the proxy list in order: a dead one, then SOCKS5', async () => {
    await withGateway({ proxies: [`http://127.0.0.1:${deadPort}`, socks5.url] }, async (h, client) => {
      expect((await ask(client)).choices[0].message.content).toBe('echo: via proxy');
      expect(h.events.at(-1)!.egress).toContain(`127.0.0.1:${socks5.port}`);
    });
  });

  it('goes direct after the proxies fail only when allow_direct is set', async () => {
    await withGateway({ proxies: [`http://127.0.0.1:${deadPort}`], allow_direct: true }, async (h, client) => {
      expect((await ask(client)).choices[0].message.content).toBe('echo: via proxy');
      expect(h.events.at(-1)!.egress).toBe('direct');
    });
  });

  it('no_proxy and a per-provider `proxy: false` bypass the global proxy', async () => {
    await withGateway({ http_proxy: `http://127.0.0.1:${deadPort}`, no_proxy: ['127.0.0.1'] }, async (h, client) => {
      expect((await ask(client)).choices[0].message.content).toBe('echo: via proxy');
      expect(h.events.at(-1)!.egress).toBe('direct');
    });
    await withGateway(
      { http_proxy: `http://127.0.0.1:${deadPort}` },
      async (h, client) => {
        expect((await ask(client)).choices[0].message.content).toBe('echo: via proxy');
        expect(h.events.at(-1)!.egress).toBe('direct');
      },
      false,
    );
  });
});
