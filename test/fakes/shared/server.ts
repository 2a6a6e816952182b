import { randomUUID } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as the fake saw it. */
export interface RecordedRequest {
  method: string;
  /** Path without the query string, e.g. `/v1/chat/completions`. */
  path: string;
  /** Parsed query string (last value wins). */
  query: Record<string, string>;
  /** Header names lowercased; repeated headers joined with `, `. */
  headers: Record<string, string>;
  /** Parsed JSON body; `undefined` when the body was empty or not valid JSON. */
  body: unknown;
  /** Raw body as UTF-8 text. */
  rawBody: string;
  /** `Date.now()` when the request head arrived. */
  receivedAt: number;
}

/** A running fake provider. */
export interface FakeServer {
  /** Base URL without a trailing slash, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  readonly port: number;
  /** Recorded requests, oldest first (same array for the server's lifetime; `reset()` empties it). */
  readonly requests: RecordedRequest[];
  /** Number of requests whose client disconnected before the response ended (not counting those cut by `stop()`). */
  readonly aborted: number;
  /** Clears recorded requests, the abort counter and all per-server state (rate-limit counters, prompt cache). */
  reset(): void;
  /** Closes the listener and destroys every open connection (hanging requests included). */
  stop(): Promise<void>;
}

export interface FakeServerOptions {
  /** Port to listen on; 0 (default) picks a free one. */
  port?: number;
  /** Host to bind; default 127.0.0.1. */
  host?: string;
  /** Record requests into `requests` (default true). Turn off for long benchmark runs. */
  record?: boolean;
}

/** Per-request state handed to a fake's handler. */
export class FakeRequest {
  readonly requestId = `req_${randomUUID().replace(/-/g, '')}`;
  readonly startedAt = performance.now();
  private controller: AbortController | undefined;
  private closed = false;

  constructor(
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    readonly method: string,
    readonly path: string,
    readonly queryString: string,
    readonly rawBody: string,
    readonly body: unknown,
    /** True when a non-empty body failed to parse as JSON. */
    readonly bodyInvalid: boolean,
  ) {}

  /** Aborted when the client disconnects before the response has ended. */
  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.closed) this.controller.abort();
    }
    return this.controller.signal;
  }

  /** Whether the client went away (or the response is otherwise unwritable). */
  get gone(): boolean {
    return this.closed || this.res.destroyed;
  }

  header(name: string): string | undefined {
    const value = this.req.headers[name];
    return Array.isArray(value) ? value.join(', ') : value;
  }

  /** Milliseconds since the request arrived (for `openai-processing-ms`). */
  elapsedMs(): number {
    return Math.round(performance.now() - this.startedAt);
  }

  /** @internal called by the server when the response closes early. */
  markClosed(): void {
    this.closed = true;
    this.controller?.abort();
  }
}

export type FakeHandler = (request: FakeRequest) => void | Promise<void>;

function flattenHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

function parseQuery(queryString: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (queryString) for (const [k, v] of new URLSearchParams(queryString)) out[k] = v;
  return out;
}

function parseJson(raw: string): { body: unknown; invalid: boolean } {
  if (raw.length === 0) return { body: undefined, invalid: false };
  try {
    return { body: JSON.parse(raw) as unknown, invalid: false };
  } catch {
    return { body: undefined, invalid: true };
  }
}

/**
 * Starts a keep-alive `node:http` server that records requests, counts client hang-ups and dispatches to `handler`.
 * `onReset` is called by `reset()` so fakes can clear their own state.
 */
export async function startFakeServer(
  handler: FakeHandler,
  options: FakeServerOptions,
  onReset: () => void,
): Promise<FakeServer> {
  const requests: RecordedRequest[] = [];
  const record = options.record ?? true;
  let aborted = 0;
  let stopping = false;

  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    const receivedAt = Date.now();
    const chunks: Buffer[] = [];
    let fake: FakeRequest | undefined;
    let early = false;
    res.on('close', () => {
      if (res.writableFinished) return;
      if (!stopping) aborted++;
      if (fake) fake.markClosed();
      else early = true;
    });
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const rawBody = chunks.length === 1 ? chunks[0].toString('utf8') : Buffer.concat(chunks).toString('utf8');
      const url = req.url ?? '/';
      const q = url.indexOf('?');
      const path = q === -1 ? url : url.slice(0, q);
      const queryString = q === -1 ? '' : url.slice(q + 1);
      const method = req.method ?? 'GET';
      const { body, invalid } = parseJson(rawBody);
      if (record) {
        requests.push({
          method,
          path,
          query: parseQuery(queryString),
          headers: flattenHeaders(req),
          body,
          rawBody,
          receivedAt,
        });
      }
      fake = new FakeRequest(req, res, method, path, queryString, rawBody, body, invalid);
      if (early) fake.markClosed();
      const fail = (err: unknown): void => {
        if (!res.headersSent && !res.destroyed) {
          res.writeHead(500, { 'content-type': 'text/plain' });
          res.end(`fake server error: ${String(err)}`);
        } else res.destroy();
      };
      try {
        const done = handler(fake);
        if (done) done.catch(fail);
      } catch (err) {
        fail(err);
      }
    });
  };

  const server = http.createServer({ keepAlive: true, noDelay: true }, onRequest);
  // Longer than typical client pool idle timeouts (undici: 4 s) so pooled sockets are not closed under the client.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  server.requestTimeout = 0;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port, address } = server.address() as AddressInfo;

  return {
    url: `http://${address}:${port}`,
    port,
    requests,
    get aborted() {
      return aborted;
    },
    reset() {
      requests.length = 0;
      aborted = 0;
      onReset();
    },
    stop() {
      stopping = true;
      return new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      });
    },
  };
}
