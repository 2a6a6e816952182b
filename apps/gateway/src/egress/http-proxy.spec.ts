import { Agent } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startTinyproxy, type RunningProxy } from '../../../../test/support/proxies';
import { createEgressConnector } from './connectors/egress-connector';
import { EgressError } from './egress-error';
import { idle, send, sendError, startHttpsUpstream, startHttpUpstream, type Upstream } from './testing/upstreams';

const PASSWORD = 'pa55-w0rd.x';

describe('HTTP proxy egress (tinyproxy, CONNECT)', () => {
  let plain: Upstream;
  let secure: Upstream;
  let proxy: RunningProxy;
  const agents: Agent[] = [];
  const via = (proxies: string[], ca?: string | null): Agent => {
    const agent = new Agent({
      connect: createEgressConnector(
        { proxies, allowDirect: false },
        { connectTimeoutMs: 5_000, tls: ca ? { ca } : undefined },
      ),
    });
    agents.push(agent);
    return agent;
  };
  const withPassword = (password: string): string => {
    const url = new URL(proxy.url);
    url.password = encodeURIComponent(password);
    return url.toString();
  };

  beforeAll(async () => {
    [plain, secure, proxy] = await Promise.all([
      startHttpUpstream(),
      startHttpsUpstream(),
      startTinyproxy({ user: 'alice', password: PASSWORD }),
    ]);
  });
  afterAll(async () => {
    await Promise.all(agents.map((a) => a.close()));
    await Promise.all([plain?.close(), secure?.close(), proxy?.stop()]);
  });

  it('tunnels plain http with basic auth and times the handshake', async () => {
    const dispatcher = via([proxy.url]);
    const { status, body, timing } = await send(`${plain.url}/v1/chat/completions`, dispatcher);
    expect(status).toBe(200);
    expect(body.path).toBe('/v1/chat/completions');
    expect(timing.connection_reused).toBe(false);
    expect(timing.egress).toBe(`http://alice:***@127.0.0.1:${proxy.port}`);
    expect(timing.connect_ms).toBeGreaterThanOrEqual(0);
    expect(timing.proxy_ms).toBeGreaterThan(0);
    expect(timing.tls_ms).toBeNull();
    expect(await proxy.log()).toMatch(new RegExp(`CONNECT 127\\.0\\.0\\.1:${plain.port}`));

    await idle();
    const again = await send(`${plain.url}/again`, dispatcher);
    expect(again.timing).toMatchObject({ connection_reused: true, proxy_ms: null });
  });

  it('does TLS to an https upstream through the tunnel (tls_ms set)', async () => {
    const { status, body, timing } = await send(`${secure.url}/tls`, via([proxy.url], secure.ca));
    expect(status).toBe(200);
    expect(body.host).toBe(`localhost:${secure.port}`);
    expect(timing.proxy_ms).toBeGreaterThan(0);
    expect(timing.tls_ms).toBeGreaterThan(0);
    // The proxy resolved localhost, not us.
    expect(timing.dns_ms).toBeNull();
  });

  it('reports a wrong password as proxy_auth with the password masked', async () => {
    const { error } = await sendError(`${plain.url}/`, via([withPassword('wrong-secret')]));
    expect(error).toBeInstanceOf(EgressError);
    const egress = error as EgressError;
    expect(egress.stage).toBe('proxy_auth');
    expect(egress.proxy).toBe(`http://alice:***@127.0.0.1:${proxy.port}`);
    expect(egress.hint).toBe('check the proxy username/password');
    // tinyproxy 1.11 answers wrong credentials on CONNECT with 401 (407 only when none are sent).
    expect(egress.attempts[0].message).toBe(
      `proxy http://alice:***@127.0.0.1:${proxy.port}: authentication rejected (401) — check the proxy username/password`,
    );
    expect(egress.message).not.toContain('wrong-secret');
    expect(JSON.stringify(egress)).not.toContain('wrong-secret');
  });

  it('reports missing credentials as proxy_auth (407)', async () => {
    const { error } = await sendError(`${plain.url}/`, via([`http://127.0.0.1:${proxy.port}`]));
    expect(error).toMatchObject({ stage: 'proxy_auth', detail: expect.stringContaining('all 1 egress route failed') });
    expect((error as EgressError).attempts[0]).toMatchObject({
      stage: 'proxy_auth',
      detail: 'authentication rejected (407)',
    });
    expect((error as EgressError).hint).toMatch(/user:password@/);
  });

  it('reports a proxy that is not running as proxy_connect', async () => {
    const port = await freePort();
    const { error } = await sendError(`${plain.url}/`, via([`http://bob:hunter22@127.0.0.1:${port}`]));
    expect(error).toBeInstanceOf(EgressError);
    const [attempt] = (error as EgressError).attempts;
    expect(attempt.stage).toBe('proxy_connect');
    expect(attempt.message).toBe(
      `proxy http://bob:***@127.0.0.1:${port}: connection refused (ECONNREFUSED) — is the proxy running and reachable at 127.0.0.1:${port}?`,
    );
    expect((error as Error).message).not.toContain('hunter22');
  });

  it('reports a refused tunnel (upstream port closed behind the proxy) as proxy_tunnel', async () => {
    const closed = await freePort();
    const { error } = await sendError(`http://127.0.0.1:${closed}/`, via([proxy.url]));
    expect(error).toMatchObject({ stage: 'proxy_tunnel' });
    expect((error as EgressError).attempts[0].detail).toMatch(
      new RegExp(`^CONNECT 127\\.0\\.0\\.1:${closed} answered 5\\d\\d`),
    );
  });
});
