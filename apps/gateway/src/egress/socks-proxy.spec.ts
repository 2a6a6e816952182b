import { Agent } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDante, startMicrosocks, type RunningProxy } from '../../../../test/support/proxies';
import { createEgressConnector } from './connectors/egress-connector';
import { EgressError } from './egress-error';
import { send, sendError, startHttpsUpstream, startHttpUpstream, type Upstream } from './testing/upstreams';

// Characters that must be URL-encoded in the proxy URL and decoded before they go on the wire.
const PASSWORD = 'p@ss:w/rd%1';

describe('SOCKS egress', () => {
  let plain: Upstream;
  let secure: Upstream;
  let micro: RunningProxy;
  let dante: RunningProxy;
  const agents: Agent[] = [];
  const via = (proxy: string, ca?: string | null): Agent => {
    const agent = new Agent({
      connect: createEgressConnector(
        { proxies: [proxy], allowDirect: false },
        { connectTimeoutMs: 5_000, tls: ca ? { ca } : undefined },
      ),
    });
    agents.push(agent);
    return agent;
  };
  const danteAs = (scheme: string): string => dante.url.replace(/^socks5:/, `${scheme}:`);
  const localhost = (upstream: Upstream): string => upstream.url.replace('127.0.0.1', 'localhost');

  beforeAll(async () => {
    [plain, secure, micro, dante] = await Promise.all([
      startHttpUpstream(),
      startHttpsUpstream(),
      startMicrosocks({ user: 'bob', password: PASSWORD }),
      startDante(),
    ]);
  });
  afterAll(async () => {
    await Promise.all(agents.map((a) => a.close()));
    await Promise.all([plain?.close(), secure?.close(), micro?.stop(), dante?.stop()]);
  });

  describe('microsocks (SOCKS5, username/password)', () => {
    it('connects with the URL-encoded credentials and times the negotiation', async () => {
      expect(micro.url).toContain(encodeURIComponent(PASSWORD));
      const { status, timing } = await send(`${localhost(plain)}/v1/messages`, via(micro.url));
      expect(status).toBe(200);
      expect(timing).toMatchObject({
        connection_reused: false,
        egress: `socks5://bob:***@127.0.0.1:${micro.port}`,
        tls_ms: null,
      });
      // socks5:// resolves the upstream name here.
      expect(timing.dns_ms).toBeGreaterThanOrEqual(0);
      expect(timing.proxy_ms).toBeGreaterThan(0);
    });

    it('does TLS to an https upstream through socks5h (tls_ms set, no local DNS)', async () => {
      const { status, body, timing } = await send(
        `${secure.url}/tls`,
        via(micro.url.replace('socks5:', 'socks5h:'), secure.ca),
      );
      expect(status).toBe(200);
      expect(body.host).toBe(`localhost:${secure.port}`);
      expect(timing.dns_ms).toBeNull();
      expect(timing.proxy_ms).toBeGreaterThan(0);
      expect(timing.tls_ms).toBeGreaterThan(0);
    });

    it('reports a wrong password as proxy_auth without leaking it', async () => {
      const wrong = `socks5://bob:${encodeURIComponent('not-the-pass')}@127.0.0.1:${micro.port}`;
      const { error } = await sendError(`${plain.url}/`, via(wrong));
      expect(error).toBeInstanceOf(EgressError);
      const egress = error as EgressError;
      expect(egress.stage).toBe('proxy_auth');
      expect(egress.attempts[0].message).toMatch(
        new RegExp(
          `^proxy socks5://bob:\\*\\*\\*@127\\.0\\.0\\.1:${micro.port}: authentication rejected \\(Socks5 Authentication failed\\) — check the proxy username/password$`,
        ),
      );
      expect(JSON.stringify({ message: egress.message, cause: String(egress.cause) })).not.toContain('not-the-pass');
    });

    it('reports missing credentials as proxy_auth', async () => {
      const { error } = await sendError(`${plain.url}/`, via(`socks5://127.0.0.1:${micro.port}`));
      expect(error).toMatchObject({ stage: 'proxy_auth', hint: expect.stringContaining('user:password@') });
    });
  });

  describe('dante (SOCKS4 / SOCKS5, no auth)', () => {
    it('connects over SOCKS4, resolving the name here', async () => {
      const { status, timing } = await send(`${localhost(plain)}/s4`, via(danteAs('socks4')));
      expect(status).toBe(200);
      expect(timing.egress).toBe(`socks4://127.0.0.1:${dante.port}`);
      expect(timing.dns_ms).toBeGreaterThanOrEqual(0);
      expect(timing.proxy_ms).toBeGreaterThan(0);
    });

    it('connects over SOCKS5h, the proxy resolving the name', async () => {
      const { status, timing } = await send(`${localhost(plain)}/s5h`, via(danteAs('socks5h')));
      expect(status).toBe(200);
      expect(timing.dns_ms).toBeNull();
    });

    it('does TLS through SOCKS4', async () => {
      const { status, timing } = await send(`${secure.url}/tls`, via(danteAs('socks4'), secure.ca));
      expect(status).toBe(200);
      expect(timing.tls_ms).toBeGreaterThan(0);
    });

    it('sends SOCKS4a with the host name; Dante 1.4 does not implement 4a and refuses (proxy_tunnel)', async () => {
      const { error } = await sendError(`${localhost(plain)}/s4a`, via(danteAs('socks4a')));
      expect(error).toBeInstanceOf(EgressError);
      const [attempt] = (error as EgressError).attempts;
      expect(attempt.stage).toBe('proxy_tunnel');
      expect(attempt.detail).toMatch(/Socks4 Proxy rejected connection/);
      expect(attempt.hint).toMatch(/socks4a/);
      // Dante took the 4a marker address 0.0.0.1 literally: the request did carry the name, not an address.
      await expect.poll(() => dante.log(), { timeout: 2_000 }).toMatch(/0\.0\.0\.1\.\d+/);
    });

    it('reports an upstream the proxy cannot reach as proxy_tunnel', async () => {
      const { error } = await sendError('http://127.0.0.1:1/', via(danteAs('socks5')));
      const [attempt] = (error as EgressError).attempts;
      expect(attempt.stage).toBe('proxy_tunnel');
      expect(attempt.detail).toMatch(/Socks5 proxy rejected connection - (ConnectionRefused|Failure|HostUnreachable)/);
    });
  });
});
