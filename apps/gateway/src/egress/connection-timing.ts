/** Connection stages of one request, in ms; null when the stage did not happen (reused connection, no proxy). */
export interface ConnectionTiming {
  dns_ms: number | null;
  connect_ms: number | null;
  /** CONNECT tunnel or SOCKS negotiation (auth included). */
  proxy_ms: number | null;
  tls_ms: number | null;
  connection_reused: boolean;
  /** 'direct' or the masked proxy URL of the connection the request went out on (null: unknown, reused). */
  egress: string | null;
}

/** Stage durations measured by a connector for one route attempt. */
export type StageTimes = Pick<ConnectionTiming, 'dns_ms' | 'connect_ms' | 'proxy_ms' | 'tls_ms'>;

let current: ConnectionTiming | undefined;

/**
 * The request's timing record. undici calls the connector synchronously from the dispatch of the request that needs
 * a new connection, so a plain "current record" set around that synchronous call is enough. (AsyncLocalStorage
 * would work too, but on Node 20 it turns on promise hooks for the whole process, a measurable cost per request.)
 */
export const connectionTimingStore = {
  run<T>(timing: ConnectionTiming, fn: () => T): T {
    const previous = current;
    current = timing;
    try {
      return fn();
    } finally {
      current = previous;
    }
  },
  getStore(): ConnectionTiming | undefined {
    return current;
  },
};

/** A fresh record: reused until a connector says it opened a connection for this request. */
export function newConnectionTiming(): ConnectionTiming {
  return { dns_ms: null, connect_ms: null, proxy_ms: null, tls_ms: null, connection_reused: true, egress: null };
}

export function emptyStageTimes(): StageTimes {
  return { dns_ms: null, connect_ms: null, proxy_ms: null, tls_ms: null };
}

/** Adds a duration to a stage (a route may resolve two names: the proxy's and, for socks5/socks4, the target's). */
export function addStage(times: StageTimes, stage: keyof StageTimes, ms: number): void {
  times[stage] = (times[stage] ?? 0) + ms;
}
