import { Agent } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../../test/support/proxies';
import { createEgressConnector } from './connectors/egress-connector';
import { EgressError } from './egress-error';
import { idle, send, sendError, startHttpsUpstream, startHttpUpstream, type Upstream } from './testing/upstreams';

const direct = { proxies: [], allowDirect: true };

describe('direct egress', () => {
  let plain: Upstream;
  let secure: Upstream;
  const agents: Agent[] = [];
  const agent = (tlsCa?: string): Agent => {
    const created = new Agent({
      connect: createEgressConnector(direct, { connectTimeoutMs: 5_000, tls: tlsCa ? { ca: tlsCa } : undefined }),
    });
    agents.push(created);
    return created;
  };

  beforeAll(async () => {
    [plain, secure] = await Promise.all([startHttpUpstream(), startHttpsUpstream()]);
  });
  afterAll(async () => {
    await Promise.all(agents.map((a) => a.close()));
    await Promise.all([plain?.close(), secure?.close()]);
  });

  it('reaches a plain-http upstream and times the new connection, then reuses it', async () => {
    const dispatcher = agent();
    const first = await send(`${plain.url}/v1/models`, dispatcher);
    expect(first.status).toBe(200);
    expect(first.body.path).toBe('/v1/models');
    expect(first.timing).toMatchObject({
      connection_reused: false,
      egress: 'direct',
      dns_ms: null,
      proxy_ms: null,
      tls_ms: null,
    });
    expect(first.timing.connect_ms).toBeGreaterThanOrEqual(0);

    await idle();
    const second = await send(`${plain.url}/again`, dispatcher);
    expect(second.status).toBe(200);
    expect(second.timing).toEqual({
      dns_ms: null,
      connect_ms: null,
      proxy_ms: null,
      tls_ms: null,
      connection_reused: true,
      egress: null,
    });
  });

  it('resolves the name and does TLS (SNI localhost) with the configured CA', async () => {
    const { status, timing } = await send(`${secure.url}/tls`, agent(secure.ca!));
    expect(status).toBe(200);
    expect(timing.connection_reused).toBe(false);
    expect(timing.dns_ms).toBeGreaterThanOrEqual(0);
    expect(timing.connect_ms).toBeGreaterThanOrEqual(0);
    expect(timing.tls_ms).toBeGreaterThan(0);
  });

  it('fails an untrusted certificate at stage tls with a hint about the CA', async () => {
    const { error } = await sendError(`${secure.url}/tls`, agent());
    expect(error).toBeInstanceOf(EgressError);
    const egress = error as EgressError;
    expect(egress.stage).toBe('tls');
    expect(egress.proxy).toBeNull();
    expect(egress.message).toMatch(
      /^direct connection to localhost:\d+: TLS handshake with localhost:\d+ failed: .*SELF_SIGNED/,
    );
    expect(egress.hint).toMatch(/tls\.ca/);
  });

  it('fails a closed port at stage connect, and undici rejects with the EgressError itself', async () => {
    const port = await freePort();
    const { error, timing } = await sendError(`http://127.0.0.1:${port}/`, agent());
    expect(error).toBeInstanceOf(EgressError);
    expect(error).toMatchObject({
      stage: 'connect',
      proxy: null,
      target: `127.0.0.1:${port}`,
      attempts: [],
      code: 'LESSLLM_EGRESS',
    });
    expect((error as Error).message).toBe(
      `direct connection to 127.0.0.1:${port}: connection refused (ECONNREFUSED) — is the upstream reachable at 127.0.0.1:${port} from this machine?`,
    );
    expect(timing).toMatchObject({ connection_reused: false, egress: 'direct' });
  });
});
