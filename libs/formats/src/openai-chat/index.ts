import { openaiErrorFacet } from '../common/openai-error-facet';
import { openAIBodyForUpstream, wantsOpenAIStreamUsage } from '../common/openai-request';
import { validateBody } from '../common/validate';
import type { WireFormat } from '../wire-format';
import { chatAnalysis } from './analysis';
import { chatCache } from './cache';
import { replayChat } from './replay';
import { chatRequestFromIR } from './request-from-ir';
import { chatRequestToIR } from './request-to-ir';
import { chatResponse } from './response';
import { chatRequestSchema } from './schema';
import {
  ChatStreamAssembler,
  ChatStreamDecoder,
  ChatStreamEncoder,
  chatErrorFrames,
  forwardChatEvent,
  parseChatEvent,
} from './stream';

/** OpenAI Chat Completions (`POST /v1/chat/completions`). */
export const openaiChat: WireFormat = {
  name: 'openai-chat',
  family: 'openai',
  endpoint: 'chat.completions',
  request: {
    validate: (body) => validateBody(chatRequestSchema, body),
    model: (body) => body.model as string,
    isStreaming: (body) => body.stream === true,
    userId(body) {
      const user = body.user ?? body.safety_identifier;
      return typeof user === 'string' && user ? user : null;
    },
    wantsStreamUsage: wantsOpenAIStreamUsage,
    forUpstream: openAIBodyForUpstream,
    toIR: chatRequestToIR,
    fromIR: (ir, ctx) => chatRequestFromIR(ir, ctx),
  },
  response: chatResponse,
  stream: {
    parse: parseChatEvent,
    decoder: () => new ChatStreamDecoder(),
    encoder: (opts) => new ChatStreamEncoder(opts),
    assembler: () => new ChatStreamAssembler(),
    forward: forwardChatEvent,
    replay: (response, opts) => replayChat(response, opts),
    errorFrames: (error) => chatErrorFrames(error),
  },
  errors: openaiErrorFacet,
  cache: chatCache,
  analysis: chatAnalysis,
};
