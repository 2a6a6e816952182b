import net from 'node:net';
import type { Dispatcher } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startMicrosocks, startTinyproxy, type RunningProxy } from '../../../../test/support/proxies';
import { EgressDispatchers } from './egress-dispatchers';
import { EgressError } from './egress-error';
import { resolveEgressRoute, type EgressRoute } from './egress-route';
import { send, sendError, startHttpUpstream, type Upstream } from './testing/upstreams';

const timeouts = { connect_ms: 5_000, headers_ms: 10_000, idle_ms: 10_000 };

describe('egress route chain (ordered proxies, direct fallback, no_proxy, timeouts)', () => {
  let upstream: Upstream;
  let tiny: RunningProxy;
  let socks: RunningProxy;
  let dead: string;
  let silent: net.Server;
  let silentUrl: string;
  const dispatchers = new EgressDispatchers();
  let n = 0;
  const through = (route: EgressRoute, connectMs = timeouts.connect_ms): Dispatcher =>
    dispatchers.get(`test-${n++}`, route, { ...timeouts, connect_ms: connectMs });

  beforeAll(async () => {
    [upstream, tiny, socks] = await Promise.all([
      startHttpUpstream(),
      startTinyproxy({ user: 'alice', password: 'secret1' }),
      startMicrosocks({ user: 'bob', password: 'secret2' }),
    ]);
    dead = `http://carol:deadpass@127.0.0.1:${await freePort()}`;
    // A listener that accepts and never answers: a hung proxy.
    silent = net.createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', () => resolve()));
    silentUrl = `socks5h://127.0.0.1:${(silent.address() as net.AddressInfo).port}`;
  });
  afterAll(async () => {
    await dispatchers.close();
    silent?.close();
    await Promise.all([upstream?.close(), tiny?.stop(), socks?.stop()]);
  });

  it('falls through a dead proxy to the next one, and egress names the one used', async () => {
    const { status, timing } = await send(
      `${upstream.url}/chain`,
      through({ proxies: [dead, tiny.url], allowDirect: false }),
    );
    expect(status).toBe(200);
    expect(timing.egress).toBe(`http://alice:***@127.0.0.1:${tiny.port}`);
    expect(timing.proxy_ms).toBeGreaterThan(0);
  });

  it('tries an HTTP proxy then a SOCKS one in order', async () => {
    const wrongHttp = tiny.url.replace('secret1', 'nope');
    const { timing } = await send(
      `${upstream.url}/mixed`,
      through({ proxies: [wrongHttp, socks.url], allowDirect: false }),
    );
    expect(timing.egress).toBe(`socks5://bob:***@127.0.0.1:${socks.port}`);
  });

  it('without allow_direct, fails listing every attempt in order', async () => {
    const wrongSocks = socks.url.replace('secret2', 'nope');
    const { error, timing } = await sendError(
      `${upstream.url}/`,
      through({ proxies: [dead, wrongSocks], allowDirect: false }),
    );
    expect(error).toBeInstanceOf(EgressError);
    const egress = error as EgressError;
    expect(egress.attempts.map((a) => [a.stage, a.proxy])).toEqual([
      ['proxy_connect', dead.replace('deadpass', '***')],
      ['proxy_auth', `socks5://bob:***@127.0.0.1:${socks.port}`],
    ]);
    expect(egress.stage).toBe('proxy_auth');
    expect(egress.message).toMatch(
      /^egress to 127\.0\.0\.1:\d+: all 2 egress routes failed \(direct connection not tried: proxy\.allow_direct is false\): 1\) \[proxy_connect\] proxy http:\/\/carol:\*\*\*@.*; 2\) \[proxy_auth\] proxy socks5:\/\/bob:\*\*\*@/,
    );
    for (const secret of ['deadpass', 'nope', 'secret2']) expect(egress.message).not.toContain(secret);
    expect(timing).toMatchObject({ connection_reused: false, egress: `socks5://bob:***@127.0.0.1:${socks.port}` });
  });

  it('a single dead proxy without allow_direct names it', async () => {
    const { error } = await sendError(`${upstream.url}/`, through({ proxies: [dead], allowDirect: false }));
    expect((error as Error).message).toContain('1) [proxy_connect] proxy http://carol:***@127.0.0.1');
  });

  it('with allow_direct, goes direct after the proxies failed', async () => {
    const { status, timing } = await send(`${upstream.url}/fallback`, through({ proxies: [dead], allowDirect: true }));
    expect(status).toBe(200);
    expect(timing.egress).toBe('direct');
    expect(timing.proxy_ms).toBeNull();
  });

  it('no_proxy sends a matching host direct even though the configured proxy is dead', async () => {
    const url = new URL(`${upstream.url}/np`);
    const route = resolveEgressRoute({ http_proxy: dead, no_proxy: ['127.0.0.1'], allow_direct: false }, url);
    expect(route).toEqual({ proxies: [], allowDirect: true });
    const { status, timing } = await send(url.toString(), through(route));
    expect(status).toBe(200);
    expect(timing.egress).toBe('direct');
  });

  it('gives up on a hung proxy after connect_ms, naming the stage, then tries the next', async () => {
    const { error } = await sendError(`${upstream.url}/`, through({ proxies: [silentUrl], allowDirect: false }, 300));
    const [attempt] = (error as EgressError).attempts;
    expect(attempt.stage).toBe('timeout');
    expect(attempt.message).toMatch(
      /^proxy socks5h:\/\/127\.0\.0\.1:\d+: timed out after 300 ms in stage proxy_tunnel/,
    );

    const { timing } = await send(
      `${upstream.url}/after-timeout`,
      through({ proxies: [silentUrl, tiny.url], allowDirect: false }, 300),
    );
    expect(timing.egress).toBe(`http://alice:***@127.0.0.1:${tiny.port}`);
  });
});

describe('EgressDispatchers', () => {
  it('keeps one agent per key and route, and replaces it when the route changes', async () => {
    const dispatchers = new EgressDispatchers();
    const direct = { proxies: [], allowDirect: true };
    const a = dispatchers.get('openai|https://api.openai.com', direct, timeouts);
    expect(dispatchers.get('openai|https://api.openai.com', { proxies: [], allowDirect: true }, timeouts)).toBe(a);
    expect(dispatchers.get('anthropic|https://api.anthropic.com', direct, timeouts)).not.toBe(a);
    const proxied = dispatchers.get(
      'openai|https://api.openai.com',
      { proxies: ['socks5h://127.0.0.1:1'], allowDirect: false },
      timeouts,
    );
    expect(proxied).not.toBe(a);
    expect(dispatchers.get('openai|https://api.openai.com', direct, { ...timeouts, connect_ms: 1 })).not.toBe(proxied);
    await dispatchers.close();
  });
});
