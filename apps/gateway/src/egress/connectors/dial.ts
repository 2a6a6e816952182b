import dns, { type LookupAddress } from 'node:dns';
import net from 'node:net';
import type { Attempt } from './attempt';
import { hostPort } from './connect-target';
import { describeNetError, isDnsError } from './net-errors';

function lookupAll(host: string, family: 0 | 4): Promise<LookupAddress[]> {
  return new Promise((resolve, reject) => {
    dns.lookup(host, { all: true, family }, (err, addresses) => (err ? reject(err) : resolve(addresses)));
  });
}

/** Resolves a name with dns.lookup (timed as dns_ms). The error is left to the caller, which knows whose name it was. */
export function resolveHost(attempt: Attempt, host: string, family: 0 | 4 = 0): Promise<LookupAddress[]> {
  return attempt.step('dns', 'dns_ms', () => lookupAll(host, family));
}

/** Hands pre-resolved addresses to net.connect, which then still does happy eyeballs across them. */
function fixedLookup(addresses: LookupAddress[]): net.LookupFunction {
  return (_host, options, callback) => {
    if (options.all) callback(null, addresses);
    else callback(null, addresses[0].address, addresses[0].family);
  };
}

/**
 * Opens a TCP connection to the first hop (the upstream when direct, else the proxy): dns.lookup timed as dns_ms,
 * net.connect timed as connect_ms. Failures are EgressErrors of stage dns/connect (direct) or proxy_connect (proxy).
 */
export async function dialTcp(attempt: Attempt, host: string, port: number): Promise<net.Socket> {
  const viaProxy = attempt.proxy !== null;
  const where = hostPort(host, port);
  let addresses: LookupAddress[] | null = null;
  if (!net.isIP(host)) {
    try {
      addresses = await resolveHost(attempt, host);
    } catch (err) {
      throw viaProxy
        ? attempt.error(
            'proxy_connect',
            `cannot resolve the proxy host ${host}: ${describeNetError(err)}`,
            "check the proxy host name and this machine's DNS",
            err,
          )
        : attempt.error(
            'dns',
            `cannot resolve ${host}: ${describeNetError(err)}`,
            "check the upstream host name and this machine's DNS",
            err,
          );
    }
  }
  const stage = viaProxy ? 'proxy_connect' : 'connect';
  return attempt.step(
    stage,
    'connect_ms',
    () =>
      new Promise<net.Socket>((resolve, reject) => {
        const socket = attempt.own(
          net.connect({
            host,
            port,
            ...(addresses ? { lookup: fixedLookup(addresses) } : {}),
            ...(attempt.target.localAddress ? { localAddress: attempt.target.localAddress } : {}),
          }),
        );
        const onError = (err: Error): void => {
          const hint = viaProxy
            ? `is the proxy running and reachable at ${where}?`
            : `is the upstream reachable at ${where} from this machine?`;
          // A lookup that fails inside net.connect (should not happen with fixedLookup) is still a name problem.
          const detail = isDnsError(err) ? `cannot resolve ${host}: ${describeNetError(err)}` : describeNetError(err);
          reject(attempt.error(stage, detail, hint, err));
        };
        socket.once('error', onError);
        socket.once('connect', () => {
          socket.removeListener('error', onError);
          socket.setNoDelay(true);
          socket.setKeepAlive(true, 60_000);
          resolve(socket);
        });
      }),
  );
}
