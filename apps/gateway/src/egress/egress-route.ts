import type { ProxyConfig } from '@lessllm/shared';
import net from 'node:net';

/** Where a request leaves the process: proxies tried in order, then direct only when allowed. */
export interface EgressRoute {
  /** Proxy URLs in the order they are tried. Empty means no proxy. */
  proxies: string[];
  /** Go direct after every proxy failed (always true for a route without proxies). */
  allowDirect: boolean;
}

export function defaultPort(url: URL): number {
  if (url.port) return Number(url.port);
  return url.protocol === 'https:' ? 443 : 80;
}

/** URL hostnames keep IPv6 brackets; a trailing dot (FQDN) does not change the host. */
function normalizeHost(host: string): string {
  return host
    .replace(/^\[|\]$/g, '')
    .replace(/\.$/, '')
    .toLowerCase();
}

/** Splits `host`, `host:port`, `[v6]:port` or a bare IPv6 address. */
function splitEntry(entry: string): { host: string; port: number | null } {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry);
  if (bracketed) return { host: bracketed[1], port: bracketed[2] ? Number(bracketed[2]) : null };
  const withPort = /^([^:]+):(\d+)$/.exec(entry);
  if (withPort) return { host: withPort[1], port: Number(withPort[2]) };
  return { host: entry, port: null };
}

function matchesCidr(cidr: string, host: string): boolean {
  const [base, bits] = cidr.split('/');
  const family = net.isIP(base);
  const hostFamily = net.isIP(host);
  if (!family || family !== hostFamily) return false;
  const list = new net.BlockList();
  try {
    list.addSubnet(base, Number(bits), family === 4 ? 'ipv4' : 'ipv6');
  } catch {
    return false;
  }
  return list.check(host, family === 4 ? 'ipv4' : 'ipv6');
}

/**
 * One no_proxy entry: `*`, exact host or IP, CIDR, `.example.com` / `*.example.com` (the domain itself and every
 * subdomain, as curl does), each optionally with `:port`.
 */
export function matchesNoProxy(entry: string, host: string, port: number): boolean {
  const trimmed = entry.trim();
  if (!trimmed) return false;
  if (trimmed === '*') return true;
  const { host: rawPattern, port: patternPort } = splitEntry(trimmed);
  if (patternPort !== null && patternPort !== port) return false;
  if (rawPattern.includes('/')) return matchesCidr(rawPattern, host);
  const pattern = normalizeHost(rawPattern);
  if (pattern.startsWith('*.') || pattern.startsWith('.')) {
    const domain = pattern.slice(pattern.indexOf('.') + 1);
    return host === domain || host.endsWith(`.${domain}`);
  }
  return host === pattern;
}

function unique(values: readonly (string | undefined)[]): string[] {
  return [...new Set(values.filter((value): value is string => typeof value === 'string' && value.trim() !== ''))];
}

/** Decides how a request to `target` leaves the process under a proxy block (`false`/undefined: direct). */
export function resolveEgressRoute(proxy: ProxyConfig | false | undefined, target: URL): EgressRoute {
  if (!proxy) return { proxies: [], allowDirect: true };
  const host = normalizeHost(target.hostname);
  const port = defaultPort(target);
  if ((proxy.no_proxy ?? []).some((entry) => matchesNoProxy(entry, host, port)))
    return { proxies: [], allowDirect: true };

  const proxies = proxy.proxies
    ? unique(proxy.proxies)
    : target.protocol === 'https:'
      ? unique([proxy.https_proxy ?? proxy.http_proxy, proxy.socks_proxy])
      : unique([proxy.http_proxy ?? proxy.https_proxy, proxy.socks_proxy]);
  // Nothing to go through: the block only held no_proxy/allow_direct, so the request is direct.
  if (proxies.length === 0) return { proxies: [], allowDirect: true };
  return { proxies, allowDirect: proxy.allow_direct ?? false };
}
