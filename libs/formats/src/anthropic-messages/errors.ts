import { errorKindInfo } from '@lessllm/shared';
import { anthropicTypeOf, normalizeAnyErrorBody } from '../common/errors';
import type { ErrorFacet } from '../wire-format';

/** Anthropic's `{"type": "error", "error": {type, message}, "request_id"}` (anthropic-2026.md §9). */
export const messagesErrors: ErrorFacet = {
  decode: (body, status) => normalizeAnyErrorBody(body, status),
  encode: (error, requestId) =>
    JSON.stringify({
      type: 'error',
      error: { type: anthropicTypeOf(error), message: error.message },
      ...(requestId ? { request_id: requestId } : {}),
    }),
  fromGateway: (error, requestId) => ({
    type: 'error',
    error: { type: errorKindInfo(error.kind).anthropicType, message: error.message },
    request_id: requestId,
  }),
};
