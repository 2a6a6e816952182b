import { openaiErrorFacet } from '../common/openai-error-facet';
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
    wantsStreamUsage: (body) =>
      typeof body.stream_options === 'object' &&
      body.stream_options !== null &&
      (body.stream_options as { include_usage?: unknown }).include_usage === true,
    forUpstream(body, opts) {
      const upstream: Record<string, unknown> = { ...body, model: opts.model };
      // Exact usage for streams: ask for the usage chunk even if the caller did not (it is dropped before them).
      if (opts.stream && opts.streamUsage) {
        const current = (upstream.stream_options ?? {}) as Record<string, unknown>;
        if (current.include_usage !== true) upstream.stream_options = { ...current, include_usage: true };
      }
      // Non-streamed: a caller's explicit `stream: false` stays as sent (and a buffered stream becomes one).
      if (opts.stream) upstream.stream = true;
      else if (upstream.stream !== undefined) upstream.stream = false;
      return upstream;
    },
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
