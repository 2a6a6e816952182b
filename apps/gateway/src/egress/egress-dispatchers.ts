import type { TimeoutsConfig } from '@lessllm/shared';
import type tls from 'node:tls';
import { Agent, type Dispatcher } from 'undici';
import { createEgressConnector } from './connectors/egress-connector';
import type { EgressRoute } from './egress-route';

export interface EgressDispatchersOptions {
  /** TLS options for upstreams and https:// proxies (e.g. `ca` for a private CA). */
  tls?: tls.ConnectionOptions;
}

interface Entry {
  signature: string;
  agent: Agent;
}

/** One undici Agent (connection pools) per provider and route, so connections are reused only along the same route. */
export class EgressDispatchers {
  private readonly agents = new Map<string, Entry>();

  constructor(private readonly options: EgressDispatchersOptions = {}) {}

  /**
   * The pool for `key`. `maxConnections` caps connections per origin (undefined = no cap): every in-flight
   * HTTP/1.1 stream holds one, so a cap is also a cap on concurrent streams to that provider. `maxResponseBytes`
   * bounds one response body (JSON or a whole stream): undici cuts it with UND_ERR_RES_EXCEEDED_MAX_SIZE.
   */
  get(
    key: string,
    route: EgressRoute,
    timeouts: TimeoutsConfig,
    maxConnections?: number,
    maxResponseBytes?: number,
  ): Dispatcher {
    const signature = JSON.stringify([
      maxConnections ?? null,
      maxResponseBytes ?? null,
      route.proxies,
      route.allowDirect,
      timeouts.connect_ms,
      timeouts.headers_ms,
      timeouts.idle_ms,
    ]);
    const existing = this.agents.get(key);
    if (existing?.signature === signature) return existing.agent;
    if (existing) {
      // The route or timeouts changed (config reload): let in-flight requests finish on the old pools.
      existing.agent.close().catch(() => undefined);
    }
    const agent = new Agent({
      connect: createEgressConnector(route, { connectTimeoutMs: timeouts.connect_ms, tls: this.options.tls }),
      headersTimeout: timeouts.headers_ms,
      bodyTimeout: timeouts.idle_ms,
      keepAliveTimeout: 30_000,
      connections: maxConnections ?? null,
      maxResponseSize: maxResponseBytes ?? -1,
      pipelining: 1,
    });
    this.agents.set(key, { signature, agent });
    return agent;
  }

  async close(): Promise<void> {
    const agents = [...this.agents.values()].map((entry) => entry.agent);
    this.agents.clear();
    await Promise.all(agents.map((agent) => agent.close()));
  }
}
