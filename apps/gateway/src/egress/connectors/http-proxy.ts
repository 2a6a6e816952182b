import http from 'node:http';
import type { Socket } from 'node:net';
import type tls from 'node:tls';
import type { Attempt } from './attempt';
import { dialTcp } from './dial';
import { describeNetError } from './net-errors';
import type { ProxyEndpoint } from './proxy-url';
import { startTls } from './tls-upgrade';

function tunnelRefusal(attempt: Attempt, status: number, statusMessage: string): Error {
  const { hostPort } = attempt.target;
  const detail = `CONNECT ${hostPort} answered ${status}${statusMessage ? ` ${statusMessage}` : ''}`;
  if (status === 407 || status === 401) {
    // tinyproxy answers a CONNECT with wrong credentials with 401, with none with 407: both are the proxy's.
    const hasCredentials = attempt.proxy !== null && new URL(attempt.proxy).username !== '';
    return attempt.error(
      'proxy_auth',
      `authentication rejected (${status})`,
      hasCredentials
        ? 'check the proxy username/password'
        : 'the proxy wants credentials: put user:password@ in the proxy URL',
    );
  }
  if (status >= 500) {
    return attempt.error(
      'proxy_tunnel',
      detail,
      `the proxy could not reach ${hostPort} (status ${status}): check that the upstream is reachable from the proxy`,
    );
  }
  return attempt.error(
    'proxy_tunnel',
    detail,
    `the proxy refused to tunnel to ${hostPort} (status ${status}): check its allow rules / ConnectPort`,
  );
}

/** Asks the proxy for a tunnel with node's HTTP client (CONNECT over the socket we opened), timed as proxy_ms. */
function openTunnel(attempt: Attempt, socket: Socket, proxy: ProxyEndpoint): Promise<Socket> {
  const { hostPort } = attempt.target;
  const headers: http.OutgoingHttpHeaders = { host: hostPort };
  if (proxy.username || proxy.password) {
    headers['proxy-authorization'] = `Basic ${Buffer.from(`${proxy.username}:${proxy.password}`).toString('base64')}`;
  }
  return attempt.step(
    'proxy_tunnel',
    'proxy_ms',
    () =>
      new Promise<Socket>((resolve, reject) => {
        const req = http.request({
          method: 'CONNECT',
          path: hostPort,
          headers,
          setHost: false,
          // No agent: the request goes out on the socket already connected to the proxy.
          createConnection: () => socket,
        });
        // Node emits 'connect' for every answer to a CONNECT, whatever the status.
        req.once('connect', (res: http.IncomingMessage, tunnel: Socket, head: Buffer) => {
          const status = res.statusCode ?? 0;
          if (status < 200 || status > 299) {
            tunnel.destroy();
            reject(tunnelRefusal(attempt, status, res.statusMessage ?? ''));
            return;
          }
          attempt.own(tunnel);
          // Bytes the upstream sent right behind the 200 belong to the next protocol.
          if (head.length > 0) tunnel.unshift(head);
          resolve(tunnel);
        });
        req.once('error', (err) => {
          reject(
            attempt.error(
              'proxy_tunnel',
              `the proxy closed the connection during CONNECT ${hostPort}: ${describeNetError(err)}`,
              'check that this is an HTTP proxy (not SOCKS) and that it accepts CONNECT from this machine',
              err,
            ),
          );
        });
        req.end();
      }),
  );
}

/** Through an http:// or https:// proxy: TCP (and TLS) to the proxy, CONNECT, then TLS to an https upstream. */
export async function connectViaHttpProxy(
  attempt: Attempt,
  proxy: ProxyEndpoint,
  tlsOptions: tls.ConnectionOptions | undefined,
): Promise<Socket> {
  const { target } = attempt;
  let socket: Socket = await dialTcp(attempt, proxy.host, proxy.port);
  if (proxy.url.protocol === 'https:') {
    // TLS to the proxy itself belongs to reaching the proxy: timed with connect_ms, failing as proxy_connect.
    socket = await startTls(
      attempt,
      socket,
      { host: proxy.host, port: proxy.port, servername: proxy.host },
      { stage: 'proxy_connect', timeKey: 'connect_ms', options: tlsOptions },
    );
  }
  const tunnel = await openTunnel(attempt, socket, proxy);
  if (!target.secure) return tunnel;
  return startTls(
    attempt,
    tunnel,
    { host: target.hostname, port: target.port, servername: target.servername },
    { stage: 'tls', timeKey: 'tls_ms', options: tlsOptions },
  );
}
