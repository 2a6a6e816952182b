import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pipeline } from 'node:stream/promises';
import { Agent, request } from 'undici';

/**
 * Child-process entry: the floor for a Node gateway. A node:http server that buffers the request body, forwards it
 * with `undici.request` over a keep-alive pool and pipes the upstream response back, nothing else.
 * Prints `READY {"port":PORT}`; exits when stdin closes or on SIGTERM. Usage: node passthrough-proxy.js UPSTREAM_ORIGIN
 */
const upstream = process.argv[2];
const agent = new Agent({ connections: 2048, pipelining: 1, keepAliveTimeout: 30_000 });
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'host', 'content-length']);

function forwardHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers))
    if (value !== undefined && !HOP_BY_HOP.has(name)) out[name] = value;
  return out;
}

async function proxy(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const upstreamRes = await request(`${upstream}${req.url ?? '/'}`, {
    method: req.method ?? 'GET',
    headers: forwardHeaders(req.headers),
    body: chunks.length > 0 ? Buffer.concat(chunks) : undefined,
    dispatcher: agent,
  });
  const headers = forwardHeaders(upstreamRes.headers);
  const length = upstreamRes.headers['content-length'];
  if (typeof length === 'string') headers['content-length'] = length;
  res.writeHead(upstreamRes.statusCode, headers);
  await pipeline(upstreamRes.body, res);
}

const server = http.createServer({ keepAlive: true, noDelay: true }, (req, res) => {
  proxy(req, res).catch((err: unknown) => {
    if (res.headersSent) res.destroy();
    else res.writeHead(502, { 'content-type': 'text/plain' }).end(`passthrough: ${String(err)}`);
  });
});
server.keepAliveTimeout = 65_000;
server.requestTimeout = 0;

server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`READY ${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`);
});
const stop = (): void => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
  void agent.close();
};
process.once('SIGTERM', stop);
process.stdin.once('end', stop).resume();
