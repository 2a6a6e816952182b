import { openaiErrorFacet } from '../common/openai-error-facet';
import { validateBody } from '../common/validate';
import type { WireFormat } from '../wire-format';
import { responsesAnalysis } from './analysis';
import { responsesCache } from './cache';
import { responsesRequestFromIR } from './request-from-ir';
import { responsesRequestToIR } from './request-to-ir';
import { responsesResponse } from './response';
import { inputTokensRequestSchema, responsesRequestSchema } from './schema';
import {
  ResponsesStreamAssembler,
  ResponsesStreamDecoder,
  ResponsesStreamEncoder,
  parseResponsesEvent,
  replayResponses,
  responsesErrorFrames,
} from './stream';

/** OpenAI Responses (`POST /v1/responses`). */
export const openaiResponses: WireFormat = {
  name: 'openai-responses',
  family: 'openai',
  endpoint: 'responses',
  request: {
    validate: (body) => validateBody(responsesRequestSchema, body),
    model: (body) => body.model as string,
    isStreaming: (body) => body.stream === true,
    userId(body) {
      const user = body.safety_identifier ?? body.user;
      return typeof user === 'string' && user ? user : null;
    },
    wantsStreamUsage: () => true, // usage always arrives with the terminal event
    forUpstream(body, opts) {
      const upstream: Record<string, unknown> = { ...body, model: opts.model };
      // Continued by the gateway from its own store: the upstream never sees an id it does not know.
      delete upstream.previous_response_id;
      // Non-streamed: a caller's explicit `stream: false` stays as sent (and a buffered stream becomes one).
      if (opts.stream) upstream.stream = true;
      else if (upstream.stream !== undefined) upstream.stream = false;
      return upstream;
    },
    toIR: responsesRequestToIR,
    fromIR: responsesRequestFromIR,
  },
  response: responsesResponse,
  stream: {
    parse: parseResponsesEvent,
    decoder: () => new ResponsesStreamDecoder(),
    encoder: (opts) => new ResponsesStreamEncoder(opts),
    assembler: () => new ResponsesStreamAssembler(),
    forward: () => true,
    replay: (response) => replayResponses(response),
    errorFrames: responsesErrorFrames,
  },
  errors: openaiErrorFacet,
  cache: responsesCache,
  analysis: responsesAnalysis,
  counting: {
    endpoint: 'responses.input_tokens',
    validate: (body) => validateBody(inputTokensRequestSchema, body),
    answer: (inputTokens) => ({ object: 'response.input_tokens', input_tokens: inputTokens }),
    read: (answer) => (typeof answer.input_tokens === 'number' ? answer.input_tokens : null),
  },
};
