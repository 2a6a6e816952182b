import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyRequest, RawServerDefault } from 'fastify';

/** The request property holding the size of the raw JSON body, in bytes (0 when there was none). */
const BODY_BYTES = 'lessllmBodyBytes';

/** Routes whose requests are calls (recorded in api_calls): an unparseable body there is a recorded 400, not a log line. */
const CALL_ROUTE =
  /^\/v1\/(?:chat\/completions|completions|responses(?:\/input_tokens)?|messages(?:\/count_tokens)?|embeddings)(?:\?|$)/;

/**
 * The body of a call whose JSON did not parse. The call's service authenticates the caller first and then refuses
 * it (`admitJsonBody`) with a 400 naming `body`, so the refusal gets its row like any other answered call.
 */
export class UnparseableJsonBody {
  constructor(readonly reason: string) {}
}

/**
 * Fastify's own JSON parser (prototype-poisoning checks included), noting the raw body's size on the request:
 * the call record uses it to decide, without measuring the parsed object, whether the body must be cut.
 */
export function useJsonBodyParser(app: NestFastifyApplication, bodyLimit: number): void {
  const fastify = app.getHttpAdapter().getInstance();
  fastify.decorateRequest(BODY_BYTES, 0);
  const defaultParser = fastify.getDefaultJsonParser('error', 'error');
  app.useBodyParser<RawServerDefault>('application/json', { bodyLimit }, (req, body, done) => {
    (req as unknown as Record<string, number>)[BODY_BYTES] = body.length;
    const isCall = CALL_ROUTE.test(req.url);
    // It takes a Buffer as well (what Nest itself passes).
    void defaultParser(req, body as unknown as string, (err, parsed) => {
      if (err && isCall) done(null, new UnparseableJsonBody(err.message));
      else if (err) done(err, undefined);
      else done(null, parsed);
    });
  });
}

export function requestBodyBytes(req: FastifyRequest): number {
  return (req as unknown as Record<string, number | undefined>)[BODY_BYTES] ?? 0;
}
