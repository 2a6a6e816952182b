import type { ServerResponse } from 'node:http';

export type HeaderMap = Record<string, string>;

/** Upstream headers worth showing a caller of another format: rate limits and retry advice. */
function isRateLimitHeader(name: string): boolean {
  return name.startsWith('x-ratelimit-') || name.startsWith('anthropic-ratelimit-') || name.startsWith('retry-after');
}

/**
 * Headers that describe the upstream connection, not the answer, or that the gateway sets itself: never copied.
 * `set-cookie` would hand the provider's cookies to every caller.
 */
const NOT_COPIED = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'content-length',
  'content-encoding',
  'content-type',
  'date',
  'server',
  'via',
  'alt-svc',
  'set-cookie',
  'x-request-id',
]);

/**
 * The upstream's response headers for the caller: every one that describes the answer when caller and upstream
 * speak the same format (they are the provider's own: ids, rate limits, processing time), only the rate-limit and
 * retry ones otherwise. The upstream's request id is also passed as `x-upstream-request-id`.
 */
export function passthroughHeaders(
  upstream: Record<string, string | string[] | undefined> | undefined,
  sameFormat = false,
): HeaderMap {
  const out: HeaderMap = {};
  if (!upstream) return out;
  for (const name in upstream) {
    const value = upstream[name];
    if (value === undefined) continue;
    if (sameFormat ? !NOT_COPIED.has(name) && !name.startsWith('x-lessllm-') : isRateLimitHeader(name)) {
      out[name] = Array.isArray(value) ? value.join(', ') : value;
    }
  }
  const upstreamId = upstream['x-request-id'] ?? upstream['request-id'];
  if (typeof upstreamId === 'string') out['x-upstream-request-id'] = upstreamId;
  return out;
}

/** A same-format answer's headers: the upstream's (hop-by-hop ones aside) and who served it. */
export function servedHeaders(
  upstream: Record<string, string | string[] | undefined> | undefined,
  served: { requestId: string; providerName: string; upstreamModel: string },
): HeaderMap {
  return {
    ...passthroughHeaders(upstream, true),
    'x-request-id': served.requestId,
    'x-lessllm-provider': served.providerName,
    'x-lessllm-model': served.upstreamModel,
  };
}

export function writeJson(res: ServerResponse, status: number, headers: HeaderMap, body: string | Buffer): void {
  res.writeHead(status, { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

export function startEventStream(res: ServerResponse, headers: HeaderMap): void {
  res.writeHead(200, {
    ...headers,
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  // No flushHeaders(): we only start once the first events are in hand, and Node sends the head with them.
}

/**
 * Writes and waits for the socket to drain when its buffer is full, so slow callers cannot grow our memory (and
 * the upstream is not read meanwhile: backpressure all the way). An abort (caller gone, shutdown) ends the wait.
 */
export async function writeFrames(res: ServerResponse, frames: string[], signal?: AbortSignal): Promise<void> {
  if (frames.length === 0 || res.destroyed) return;
  const ok = res.write(frames.length === 1 ? frames[0] : frames.join(''));
  if (ok || res.destroyed || signal?.aborted) return;
  await new Promise<void>((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
    signal?.addEventListener('abort', done);
  });
}

/** Writes without waiting (the last frames of a stream being cut: the socket may never drain). */
export function writeFramesNow(res: ServerResponse, frames: string[]): void {
  if (frames.length > 0 && !res.destroyed) res.write(frames.join(''));
}
