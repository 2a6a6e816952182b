import { defaultPort } from '../egress-route';

export interface ProxyEndpoint {
  url: URL;
  /** Hostname without IPv6 brackets. */
  host: string;
  port: number;
  /** URL-decoded credentials ('' when absent). */
  username: string;
  password: string;
}

function decode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

export function parseProxy(raw: string): ProxyEndpoint {
  const url = new URL(raw);
  // new URL() only fills in default ports for special schemes; socks has no registered default.
  const port = url.port ? Number(url.port) : url.protocol.startsWith('socks') ? 1080 : defaultPort(url);
  return {
    url,
    host: url.hostname.replace(/^\[|\]$/g, ''),
    port,
    username: decode(url.username),
    password: decode(url.password),
  };
}
