import { validateBody } from '../common/validate';
import type { WireFormat } from '../wire-format';
import { messagesAnalysis } from './analysis';
import { messagesCache } from './cache';
import { messagesErrors } from './errors';
import { replayMessages } from './replay';
import { messagesRequestFromIR } from './request-from-ir';
import { messagesRequestToIR } from './request-to-ir';
import { messagesResponse } from './response';
import { countTokensRequestSchema, messagesRequestSchema } from './schema';
import {
  MessagesStreamAssembler,
  MessagesStreamDecoder,
  MessagesStreamEncoder,
  messagesErrorFrames,
  parseMessagesEvent,
} from './stream';
import { withoutUnsignedThinking } from './unsigned-thinking';

/** Anthropic Messages (`POST /v1/messages`). */
export const anthropicMessages: WireFormat = {
  name: 'anthropic-messages',
  family: 'anthropic',
  endpoint: 'messages',
  request: {
    validate: (body) => validateBody(messagesRequestSchema, body),
    model: (body) => body.model as string,
    isStreaming: (body) => body.stream === true,
    userId(body) {
      const metadata = body.metadata as { user_id?: unknown } | undefined;
      return typeof metadata?.user_id === 'string' && metadata.user_id ? metadata.user_id : null;
    },
    wantsStreamUsage: () => true, // Anthropic streams always carry usage
    // Same-format calls pass the body through untouched (unknown fields included): only model and stream change,
    // and thinking that Anthropic did not sign (shown from other vendors) is taken out of the history.
    forUpstream(body, opts) {
      const upstream: Record<string, unknown> = { ...withoutUnsignedThinking(body), model: opts.model };
      // Non-streamed: a caller's explicit `stream: false` stays as sent (and a buffered stream becomes one).
      if (opts.stream) upstream.stream = true;
      else if (upstream.stream !== undefined) upstream.stream = false;
      return upstream;
    },
    toIR: messagesRequestToIR,
    fromIR: (ir, ctx) => messagesRequestFromIR(ir, ctx),
  },
  response: messagesResponse,
  stream: {
    parse: parseMessagesEvent,
    decoder: () => new MessagesStreamDecoder(),
    encoder: (opts) => new MessagesStreamEncoder(opts),
    assembler: () => new MessagesStreamAssembler(),
    forward: () => true,
    replay: (response) => replayMessages(response),
    errorFrames: (error) => messagesErrorFrames(error),
  },
  errors: messagesErrors,
  cache: messagesCache,
  analysis: messagesAnalysis,
  counting: {
    endpoint: 'messages.count_tokens',
    validate: (body) => validateBody(countTokensRequestSchema, body),
    answer: (inputTokens) => ({ input_tokens: inputTokens }),
    read: (answer) => (typeof answer.input_tokens === 'number' ? answer.input_tokens : null),
  },
};
