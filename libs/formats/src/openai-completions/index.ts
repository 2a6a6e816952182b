import { encodeSse } from '@lessllm/shared';
import { openaiErrorBody } from '../common/errors';
import { openaiErrorFacet } from '../common/openai-error-facet';
import { openAIBodyForUpstream, wantsOpenAIStreamUsage } from '../common/openai-request';
import { validateBody } from '../common/validate';
import { forwardChatEvent } from '../openai-chat/stream';
import type { WireFormat } from '../wire-format';
import { completionsAnalysis } from './analysis';
import { completionsCache } from './cache';
import { completionsRequestFromIR, completionsRequestToIR } from './request';
import { completionsResponse } from './response';
import { completionsRequestSchema } from './schema';
import {
  CompletionsStreamAssembler,
  CompletionsStreamDecoder,
  CompletionsStreamEncoder,
  parseCompletionsEvent,
  replayCompletions,
} from './stream';

/** OpenAI legacy Completions (`POST /v1/completions`). */
export const openaiCompletions: WireFormat = {
  name: 'openai-completions',
  family: 'openai',
  endpoint: 'completions',
  request: {
    validate: (body) => validateBody(completionsRequestSchema, body),
    model: (body) => body.model as string,
    isStreaming: (body) => body.stream === true,
    userId: (body) => (typeof body.user === 'string' && body.user ? body.user : null),
    wantsStreamUsage: wantsOpenAIStreamUsage,
    forUpstream: openAIBodyForUpstream,
    toIR: completionsRequestToIR,
    fromIR: completionsRequestFromIR,
  },
  response: completionsResponse,
  stream: {
    parse: parseCompletionsEvent,
    decoder: () => new CompletionsStreamDecoder(),
    encoder: (opts) => new CompletionsStreamEncoder(opts),
    assembler: () => new CompletionsStreamAssembler(),
    forward: forwardChatEvent,
    replay: (response, opts) => replayCompletions(response, opts),
    errorFrames: (error) => [encodeSse(JSON.stringify(openaiErrorBody(error)))],
  },
  errors: openaiErrorFacet,
  cache: completionsCache,
  analysis: completionsAnalysis,
};
