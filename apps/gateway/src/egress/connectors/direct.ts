import type { Socket } from 'node:net';
import type tls from 'node:tls';
import type { Attempt } from './attempt';
import { dialTcp } from './dial';
import { startTls } from './tls-upgrade';

/** Straight to the upstream: DNS, TCP, then TLS for https. */
export async function connectDirect(attempt: Attempt, tlsOptions: tls.ConnectionOptions | undefined): Promise<Socket> {
  const { target } = attempt;
  const socket = await dialTcp(attempt, target.hostname, target.port);
  if (!target.secure) return socket;
  return startTls(
    attempt,
    socket,
    { host: target.hostname, port: target.port, servername: target.servername },
    { stage: 'tls', timeKey: 'tls_ms', options: tlsOptions },
  );
}
