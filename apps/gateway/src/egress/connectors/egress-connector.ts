import { maskUrl } from '@lessllm/shared';
import type { Socket } from 'node:net';
import type tls from 'node:tls';
import type { buildConnector } from 'undici';
import { connectionTimingStore, type ConnectionTiming } from '../connection-timing';
import { EgressError } from '../egress-error';
import type { EgressRoute } from '../egress-route';
import { Attempt } from './attempt';
import { toConnectTarget, type ConnectTarget } from './connect-target';
import { connectDirect } from './direct';
import { connectViaHttpProxy } from './http-proxy';
import { errorMessage } from './net-errors';
import { parseProxy, type ProxyEndpoint } from './proxy-url';
import { connectViaSocks, socksFlavour } from './socks-proxy';

export interface EgressConnectorOptions {
  /** Budget for each route attempt: DNS + TCP + proxy handshake + TLS. */
  connectTimeoutMs: number;
  /** TLS options for the upstream (and for https:// proxies), e.g. `ca` for a private CA. */
  tls?: tls.ConnectionOptions;
}

export type EgressConnector = buildConnector.connector;

function strategy(attempt: Attempt, opts: EgressConnectorOptions): Promise<Socket> {
  if (attempt.proxy === null) return connectDirect(attempt, opts.tls);
  let proxy: ProxyEndpoint;
  try {
    proxy = parseProxy(attempt.proxy);
  } catch (err) {
    return Promise.reject(attempt.error('proxy_connect', 'invalid proxy URL', 'fix the proxy URL in the config', err));
  }
  const protocol = proxy.url.protocol;
  if (protocol === 'http:' || protocol === 'https:') return connectViaHttpProxy(attempt, proxy, opts.tls);
  const flavour = socksFlavour(protocol);
  if (flavour) return connectViaSocks(attempt, proxy, flavour, opts.tls);
  return Promise.reject(
    attempt.error(
      'proxy_connect',
      `unsupported proxy scheme ${protocol}`,
      'use http, https, socks4, socks4a, socks5 or socks5h',
    ),
  );
}

/** Runs one route within its time budget; on timeout or failure everything it opened is destroyed. */
function runAttempt(attempt: Attempt, opts: EgressConnectorOptions): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(attempt.timeoutError());
      attempt.abort();
    }, attempt.timeoutMs);
    strategy(attempt, opts).then(
      (socket) => {
        clearTimeout(timer);
        if (attempt.aborted) {
          socket.destroy();
          return;
        }
        attempt.release();
        resolve(socket);
      },
      (err: unknown) => {
        clearTimeout(timer);
        attempt.abort();
        reject(
          err instanceof EgressError
            ? err
            : attempt.error(attempt.stage, errorMessage(err), 'unexpected failure while connecting', err),
        );
      },
    );
  });
}

function record(timing: ConnectionTiming | undefined, attempt: Attempt): void {
  if (!timing) return;
  Object.assign(timing, attempt.times);
  timing.connection_reused = false;
  timing.egress = attempt.proxy === null ? 'direct' : maskUrl(attempt.proxy);
}

/** Tries each proxy in order, then direct when allowed; the error lists every attempt. */
async function connectRoute(
  hops: (string | null)[],
  target: ConnectTarget,
  opts: EgressConnectorOptions,
  timing: ConnectionTiming | undefined,
): Promise<Socket> {
  const failures: EgressError[] = [];
  let last: Attempt | undefined;
  for (const hop of hops) {
    last = new Attempt(hop, target, opts.connectTimeoutMs);
    try {
      const socket = await runAttempt(last, opts);
      record(timing, last);
      return socket;
    } catch (err) {
      failures.push(err as EgressError);
    }
  }
  if (last) record(timing, last);
  throw EgressError.allFailed(target.hostPort, failures, hops[hops.length - 1] === null);
}

/**
 * An undici `connect` function for a route. undici calls it synchronously while dispatching the request that needs
 * the connection, so the request's ConnectionTiming (connectionTimingStore) is read here and filled in when done.
 */
export function createEgressConnector(route: EgressRoute, opts: EgressConnectorOptions): EgressConnector {
  // A route without proxies is direct whatever allowDirect says: there is nothing else to try.
  const hops: (string | null)[] =
    route.proxies.length === 0 ? [null] : [...route.proxies, ...(route.allowDirect ? [null] : [])];
  return (options, callback) => {
    const timing = connectionTimingStore.getStore();
    const target = toConnectTarget(options);
    connectRoute(hops, target, opts, timing).then(
      (socket) => callback(null, socket),
      (err: Error) => callback(err, null),
    );
  };
}
