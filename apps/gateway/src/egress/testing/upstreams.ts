import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import type net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { request, type Dispatcher } from 'undici';
import { connectionTimingStore, newConnectionTiming, type ConnectionTiming } from '../connection-timing';

const run = promisify(execFile);

/** A local upstream standing in for an LLM provider: answers every request with what it saw. */
export interface Upstream {
  /** http://127.0.0.1:PORT or https://localhost:PORT */
  url: string;
  port: number;
  /** PEM of the self-signed certificate (https only), to pass as tls.ca. */
  ca: string | null;
  close(): Promise<void>;
}

function handler(req: http.IncomingMessage, res: http.ServerResponse): void {
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ method: req.method, path: req.url, host: req.headers.host ?? null }));
}

function listen(server: http.Server | https.Server): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port)),
  );
}

function closer(server: http.Server | https.Server): () => Promise<void> {
  return () =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
}

export async function startHttpUpstream(): Promise<Upstream> {
  const server = http.createServer(handler);
  const port = await listen(server);
  return { url: `http://127.0.0.1:${port}`, port, ca: null, close: closer(server) };
}

/** HTTPS upstream with a self-signed certificate for localhost and 127.0.0.1, made with the openssl CLI. */
export async function startHttpsUpstream(): Promise<Upstream> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'lessllm-cert-'));
  const key = path.join(dir, 'key.pem');
  const cert = path.join(dir, 'cert.pem');
  let pem: { key: string; cert: string };
  try {
    // Fail loudly: without openssl there is no HTTPS coverage.
    await run('openssl', [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
      '-keyout',
      key,
      '-out',
      cert,
    ]).catch((err: Error) => {
      throw new Error(`openssl failed (install the Debian package openssl): ${err.message}`);
    });
    pem = { key: await fs.readFile(key, 'utf8'), cert: await fs.readFile(cert, 'utf8') };
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
  const server = https.createServer(pem, handler);
  const port = await listen(server);
  return { url: `https://localhost:${port}`, port, ca: pem.cert, close: closer(server) };
}

export interface Sent {
  status: number;
  body: { method: string; path: string; host: string | null };
  timing: ConnectionTiming;
}

/** One GET through a dispatcher inside a timing scope, as the gateway sends upstream requests. */
export async function send(url: string, dispatcher: Dispatcher): Promise<Sent> {
  const timing = newConnectionTiming();
  const res = await connectionTimingStore.run(timing, () => request(url, { dispatcher }));
  const body = (await res.body.json()) as Sent['body'];
  return { status: res.statusCode, body, timing };
}

/** The rejection of a send, for asserting on the error undici surfaced. */
export async function sendError(
  url: string,
  dispatcher: Dispatcher,
): Promise<{ error: unknown; timing: ConnectionTiming }> {
  const timing = newConnectionTiming();
  try {
    await connectionTimingStore.run(timing, () => request(url, { dispatcher }));
  } catch (error) {
    return { error, timing };
  }
  throw new Error(`expected ${url} to fail`);
}

/** undici marks a pool's connection free again a tick after the body ends; a back-to-back request would open another. */
export function idle(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 10));
}
