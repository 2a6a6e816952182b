import type { AppLogger } from '@lessllm/shared';
import { GatewayError } from '@lessllm/shared';
import { Catch, HttpException, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { errorBodyForPath } from './error-body';

/** Fastify/Nest HTTP errors (body parsing, routing) expressed in our taxonomy. */
function fromHttpException(err: HttpException, bodyLimitMb: number): GatewayError {
  const status = err.getStatus();
  switch (status) {
    case 400:
      return GatewayError.invalid('body', `The request body is not valid JSON (${err.message}).`);
    case 404:
      return new GatewayError(
        'not_found',
        `${err.message}. Routes: POST /v1/chat/completions, POST /v1/responses, GET|DELETE /v1/responses/{id}, POST /v1/completions, POST /v1/messages, POST /v1/messages/count_tokens, POST /v1/embeddings, GET /v1/models.`,
      );
    case 413:
      return new GatewayError(
        'payload_too_large',
        `The request body is larger than the ${bodyLimitMb} MB limit (server.body_limit_mb).`,
        'body',
        'request_too_large',
      );
    case 415:
      return new GatewayError(
        'unsupported_media_type',
        'Send the body as JSON with `content-type: application/json`.',
        'content-type',
        'unsupported_media_type',
      );
    default:
      return new GatewayError(status >= 500 ? 'internal' : 'invalid_request', err.message);
  }
}

/**
 * The one global filter: every error leaves in the caller's API format, with x-request-id. Not a DI provider: each
 * service constructs it (`new ApiExceptionFilter(logger, bodyLimitMb)`) and registers it with `useGlobalFilters`.
 */
@Catch()
export class ApiExceptionFilter implements ExceptionFilter {
  constructor(
    private readonly logger: AppLogger,
    private readonly bodyLimitMb: number,
  ) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const req = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const err =
      exception instanceof GatewayError
        ? exception
        : exception instanceof HttpException
          ? fromHttpException(exception, this.bodyLimitMb)
          : new GatewayError(
              'internal',
              'Internal gateway error. The request id in x-request-id identifies it in the logs.',
            );
    if (err.kind === 'internal') this.logger.error({ request_id: req.id, err: exception }, 'unhandled error');
    if (reply.sent || reply.raw.headersSent) {
      reply.raw.destroy();
      return;
    }
    void reply
      .status(err.status)
      .header('x-request-id', req.id)
      .header('content-type', 'application/json')
      .send(errorBodyForPath(req.url, err, req.id));
  }
}
