import type { FastifyInstance } from 'fastify';
import type { Counter } from 'prom-client';

/**
 * Counts every HTTP request by route template (not the raw URL: bounded cardinality), method and status. Counted
 * when the response finishes or the connection closes, so hijacked (streamed) replies are included.
 */
export function countHttpRequests(fastify: FastifyInstance, counter: Counter<'route' | 'method' | 'status'>): void {
  fastify.addHook('onRequest', (request, reply, done) => {
    let counted = false;
    const count = () => {
      if (counted) return;
      counted = true;
      const route = request.routeOptions.url ?? 'unmatched';
      counter.inc({ route, method: request.method, status: String(reply.raw.statusCode) });
    };
    reply.raw.once('finish', count);
    reply.raw.once('close', count);
    done();
  });
}
