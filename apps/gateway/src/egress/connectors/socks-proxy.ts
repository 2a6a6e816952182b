import net, { type Socket } from 'node:net';
import type tls from 'node:tls';
import { SocksClient, type SocksProxy } from 'socks';
import type { Attempt } from './attempt';
import { dialTcp, resolveHost } from './dial';
import { describeNetError, errorMessage } from './net-errors';
import type { ProxyEndpoint } from './proxy-url';
import { startTls } from './tls-upgrade';

interface SocksFlavour {
  type: 4 | 5;
  /** The proxy resolves the upstream name (socks4a, socks5h); otherwise we resolve it here first. */
  remoteDns: boolean;
}

/** socks:// is taken as socks5h://, as curl's and node's proxy agents do. */
export function socksFlavour(protocol: string): SocksFlavour | null {
  switch (protocol) {
    case 'socks4:':
      return { type: 4, remoteDns: false };
    case 'socks4a:':
      return { type: 4, remoteDns: true };
    case 'socks5:':
      return { type: 5, remoteDns: false };
    case 'socks5h:':
    case 'socks:':
      return { type: 5, remoteDns: true };
    default:
      return null;
  }
}

/** The socks package reports failures by message only; these map them to stages. */
function socksFailure(attempt: Attempt, err: unknown, flavour: SocksFlavour, destination: string): Error {
  const message = errorMessage(err);
  const { hostPort } = attempt.target;
  // Not the SocksClientError itself as cause: its `options` hold the proxy password.
  const cause = new Error(message);
  if (/Authentication failed|no accepted authentication type/i.test(message)) {
    const hasCredentials = attempt.proxy !== null && new URL(attempt.proxy).username !== '';
    return attempt.error(
      'proxy_auth',
      `authentication rejected (${message})`,
      hasCredentials
        ? 'check the proxy username/password'
        : 'the proxy wants credentials: put user:password@ in the proxy URL',
      cause,
    );
  }
  if (/RejectedIdent/i.test(message)) {
    return attempt.error(
      'proxy_auth',
      `ident check rejected (${message})`,
      'check the SOCKS4 user id (the URL username)',
      cause,
    );
  }
  if (/rejected connection/i.test(message)) {
    const fourA =
      flavour.type === 4 && flavour.remoteDns
        ? '; not every SOCKS4 server resolves names (socks4a), try socks4:// or socks5h://'
        : '';
    return attempt.error(
      'proxy_tunnel',
      `the proxy refused to connect to ${destination} (${message})`,
      `check the proxy's rules and that it can reach ${hostPort}${fourA}`,
      cause,
    );
  }
  if (/timed out/i.test(message)) {
    return attempt.error('proxy_tunnel', `SOCKS handshake timed out (${message})`, 'is the proxy overloaded?', cause);
  }
  return attempt.error(
    'proxy_tunnel',
    `SOCKS${flavour.type} handshake failed: ${describeNetError(err)}`,
    `check that this is a SOCKS${flavour.type} proxy and that it accepts connections from this machine`,
    cause,
  );
}

/** Resolves the upstream here for socks4/socks5 (SOCKS4 carries IPv4 only). */
async function destinationHost(attempt: Attempt, flavour: SocksFlavour): Promise<string> {
  const { hostname } = attempt.target;
  if (flavour.remoteDns || net.isIP(hostname)) return hostname;
  try {
    const [first] = await resolveHost(attempt, hostname, flavour.type === 4 ? 4 : 0);
    return first.address;
  } catch (err) {
    const alt = flavour.type === 4 ? 'socks4a://' : 'socks5h://';
    throw attempt.error(
      'dns',
      `cannot resolve ${hostname}: ${describeNetError(err)}`,
      `check the upstream host name, or use ${alt} to let the proxy resolve it`,
      err,
    );
  }
}

/** Through a SOCKS proxy: TCP to the proxy, SOCKS negotiation (timed as proxy_ms) with the socks package, then TLS. */
export async function connectViaSocks(
  attempt: Attempt,
  proxy: ProxyEndpoint,
  flavour: SocksFlavour,
  tlsOptions: tls.ConnectionOptions | undefined,
): Promise<Socket> {
  const { target } = attempt;
  const socket = await dialTcp(attempt, proxy.host, proxy.port);
  const host = await destinationHost(attempt, flavour);
  if (flavour.type === 4 && net.isIPv6(host)) {
    throw attempt.error(
      'proxy_tunnel',
      `SOCKS4 cannot carry the IPv6 address ${host}`,
      'use a socks5:// or socks5h:// proxy',
    );
  }
  const socksProxy: SocksProxy = {
    host: proxy.host,
    port: proxy.port,
    type: flavour.type,
    ...(proxy.username ? { userId: proxy.username } : {}),
    ...(flavour.type === 5 && proxy.password ? { password: proxy.password } : {}),
  };
  const tunnel = await attempt.step('proxy_tunnel', 'proxy_ms', async (): Promise<Socket> => {
    try {
      const established = await SocksClient.createConnection({
        command: 'connect',
        destination: { host, port: target.port },
        proxy: socksProxy,
        existing_socket: socket,
        // Our own deadline governs; this only keeps the package's 30 s default from outliving it.
        timeout: Math.max(1, Math.ceil(attempt.remainingMs())),
      });
      return established.socket;
    } catch (err) {
      throw socksFailure(attempt, err, flavour, host);
    }
  });
  if (!target.secure) return tunnel;
  return startTls(
    attempt,
    tunnel,
    { host: target.hostname, port: target.port, servername: target.servername },
    { stage: 'tls', timeKey: 'tls_ms', options: tlsOptions },
  );
}
