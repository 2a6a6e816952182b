import net from 'node:net';
import type { buildConnector } from 'undici';

/** The upstream a connection is for, as undici names it. */
export interface ConnectTarget {
  hostname: string;
  port: number;
  /** https: TLS to the upstream after the route is open. */
  secure: boolean;
  /** SNI name; null for IP literals (RFC 6066 forbids IPs there). */
  servername: string | null;
  /** host:port with IPv6 bracketed, as in CONNECT and messages. */
  hostPort: string;
  localAddress: string | null;
}

export function hostPort(hostname: string, port: number): string {
  return net.isIPv6(hostname) ? `[${hostname}]:${port}` : `${hostname}:${port}`;
}

export function toConnectTarget(options: buildConnector.Options): ConnectTarget {
  const secure = options.protocol === 'https:';
  // undici passes the URL's port, which is '' for the scheme's default port.
  const port = Number(options.port) || (secure ? 443 : 80);
  const hostname = options.hostname.replace(/^\[|\]$/g, '');
  const servername = options.servername || (net.isIP(hostname) ? null : hostname);
  return {
    hostname,
    port,
    secure,
    servername,
    hostPort: hostPort(hostname, port),
    localAddress: options.localAddress ?? null,
  };
}
