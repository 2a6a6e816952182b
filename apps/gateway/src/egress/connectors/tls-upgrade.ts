import net from 'node:net';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';
import type { StageTimes } from '../connection-timing';
import type { EgressStage } from '../egress-error';
import type { Attempt } from './attempt';
import { hostPort } from './connect-target';
import { describeNetError, errorCode } from './net-errors';

/** Node's certificate verification failures: the peer was reached, but not trusted. */
const CERT_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_GET_ISSUER_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

export interface TlsPeer {
  host: string;
  port: number;
  servername: string | null;
}

export interface TlsStep {
  /** 'tls' for the upstream, 'proxy_connect' for an https:// proxy. */
  stage: EgressStage;
  timeKey: keyof StageTimes;
  options: tls.ConnectionOptions | undefined;
}

/** TLS over an open socket (direct TCP, CONNECT tunnel or SOCKS), HTTP/1.1 offered via ALPN. */
export function startTls(attempt: Attempt, socket: Duplex, peer: TlsPeer, step: TlsStep): Promise<tls.TLSSocket> {
  const who = hostPort(peer.host, peer.port);
  return attempt.step(
    step.stage,
    step.timeKey,
    () =>
      new Promise<tls.TLSSocket>((resolve, reject) => {
        const secure = attempt.own(
          tls.connect({
            ...step.options,
            socket,
            // `host` is what the certificate is checked against when there is no SNI name (IP literals).
            host: peer.host,
            port: peer.port,
            ...(peer.servername && !net.isIP(peer.servername) ? { servername: peer.servername } : {}),
            ALPNProtocols: ['http/1.1'],
          }),
        );
        const onError = (err: Error): void => {
          const code = errorCode(err);
          const certificate = code !== undefined && CERT_CODES.has(code);
          const hint = certificate
            ? `the certificate of ${who} is not trusted: if a proxy or firewall inspects TLS, add its CA (tls.ca)`
            : `check that ${who} speaks TLS on this port`;
          reject(attempt.error(step.stage, `TLS handshake with ${who} failed: ${describeNetError(err)}`, hint, err));
        };
        secure.once('error', onError);
        secure.once('secureConnect', () => {
          secure.removeListener('error', onError);
          resolve(secure);
        });
      }),
  );
}
