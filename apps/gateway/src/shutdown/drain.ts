import type { AppLogger, LessLLMConfig } from '@lessllm/shared';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { setTimeout as sleep } from 'node:timers/promises';
import { InFlightCalls } from '../services/in-flight-calls';

/** How long the listener waits for the last answers to be written before it drops every connection. */
const LAST_WRITES_MS = 1_000;

/**
 * A graceful stop: readiness turns false at once (503 "draining"), calls keep being served for
 * `server.shutdown_delay_s` (load balancers notice the failing probe) with `connection: close`, then the listener closes, idle keep-alive
 * connections are dropped, and the calls in flight get `server.drain_s` to finish. Whatever still runs is cut:
 * non-streamed calls answer 503, streams end with an error event, and every one is recorded as aborted.
 */
export async function drainCalls(
  app: NestFastifyApplication,
  server: LessLLMConfig['server'],
  logger: AppLogger,
): Promise<void> {
  const calls = app.get(InFlightCalls);
  if (calls.isDraining) return;
  calls.startDraining();
  const http = app.getHttpServer();
  // From now on every answer says `connection: close`, so callers stop reusing their pooled connections before
  // the listener closes them (a request sent on a connection being closed is a reset, not an answer).
  http.prependListener('request', (_req, res) => {
    if (!res.headersSent) res.setHeader('connection', 'close');
  });
  logger.info(
    { in_flight: calls.size, shutdown_delay_s: server.shutdown_delay_s, drain_s: server.drain_s },
    'draining',
  );
  if (server.shutdown_delay_s > 0) await sleep(server.shutdown_delay_s * 1000);
  const closed = new Promise<void>((resolve) => http.close(() => resolve()));
  http.closeIdleConnections();
  const started = performance.now();
  const cut = await calls.drain(server.drain_s * 1000);
  logger.info(
    { cut, drained_ms: Math.round(performance.now() - started), left: calls.size },
    cut > 0 ? 'drain time ran out: cut the calls still running' : 'drained',
  );
  // The last answers go out (a cut call is answered right after its record); then whatever is still open (a
  // caller that never reads the end of its stream, an idle keep-alive) must not hold the process.
  const settled = await Promise.race([closed.then(() => true), sleep(LAST_WRITES_MS).then(() => false)]);
  if (!settled) {
    http.closeAllConnections();
    await closed;
  }
}
