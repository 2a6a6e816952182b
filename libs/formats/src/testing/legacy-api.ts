/**
 * The pairwise translation API the first two formats had before the wire-format refactor, rebuilt on the format
 * units. The original specs run against it unchanged in spirit, so the refactor is checked against every case they
 * pinned down (test code only).
 */
import type {
  AnthropicErrorBody,
  AnthropicMessage,
  AnthropicMessagesRequest,
  AnthropicStopReason,
  AnthropicStreamEvent,
  AnthropicUsage,
  OpenAIChatChunk,
  OpenAIChatCompletion,
  OpenAIChatRequest,
  OpenAIErrorBody,
  OpenAIFinishReason,
  OpenAIUsage,
} from '@lessllm/shared';
import { MessagesStreamAssembler, MessagesStreamDecoder, MessagesStreamEncoder } from '../anthropic-messages/stream';
import {
  anthropicTypeOf,
  normalizeAnthropicStreamError,
  normalizeAnyErrorBody,
  normalizeOpenAIErrorBody,
  normalizeStreamFailure,
  openaiErrorBody,
} from '../common/errors';
import {
  stopReasonFromAnthropic,
  stopReasonFromOpenAI,
  stopReasonToAnthropic,
  stopReasonToOpenAI,
} from '../common/stop-reasons';
import { anthropicUsageFrom, normalizeAnthropicUsage, normalizeOpenAIUsage, openaiUsageFrom } from '../common/usage';
import { ChatStreamAssembler, ChatStreamDecoder, ChatStreamEncoder } from '../openai-chat/stream';
import { formatNamed } from '../registry';
import { translateRequest, translateResponse } from '../translate';
import { STREAM_DONE } from '../wire-format';

export { JSON_OBJECT_INSTRUCTION } from '../anthropic-messages/request-from-ir';
export { normalizeAnthropicUsage, normalizeOpenAIUsage };

const chat = formatNamed('openai-chat');
const messages = formatNamed('anthropic-messages');

export function openaiRequestToAnthropic(
  req: OpenAIChatRequest,
  model: string,
  defaultMaxTokens: number,
): AnthropicMessagesRequest {
  const out = translateRequest(req, {
    source: 'openai-chat',
    target: 'anthropic-messages',
    upstreamModel: model,
    defaultMaxTokens,
  });
  return out.body as unknown as AnthropicMessagesRequest;
}

export function anthropicRequestToOpenAI(req: AnthropicMessagesRequest, model: string): OpenAIChatRequest {
  return translateRequest(req, {
    source: 'anthropic-messages',
    target: 'openai-chat',
    upstreamModel: model,
  }).body as unknown as OpenAIChatRequest;
}

export function anthropicResponseToOpenAI(
  msg: AnthropicMessage,
  model: string,
  created?: number,
): OpenAIChatCompletion {
  const out = translateResponse(msg, messages, chat, {
    request: {},
    model,
  }) as unknown as OpenAIChatCompletion;
  return created === undefined ? out : { ...out, created };
}

export function openaiResponseToAnthropic(c: OpenAIChatCompletion, model: string): AnthropicMessage {
  return translateResponse(c, chat, messages, { request: {}, model }) as unknown as AnthropicMessage;
}

export type OpenAIStreamItem =
  { kind: 'chunk'; chunk: OpenAIChatChunk } | { kind: 'error'; error: OpenAIErrorBody } | { kind: 'done' };

/** Anthropic events in, OpenAI chunks out. */
export class AnthropicToOpenAIStream {
  private readonly decoder = new MessagesStreamDecoder();
  private readonly encoder: ChatStreamEncoder;

  constructor(opts: { model: string; includeUsage: boolean; created?: number }) {
    this.encoder = new ChatStreamEncoder({ ...opts, request: {} });
  }

  push(event: AnthropicStreamEvent): OpenAIStreamItem[] {
    this.decoder.push(event, this.encoder);
    return this.encoder.take().map((item): OpenAIStreamItem => {
      if (item.event) return { kind: 'chunk', chunk: item.event as unknown as OpenAIChatChunk };
      if (item.frame.startsWith('data: [DONE]')) return { kind: 'done' };
      return { kind: 'error', error: JSON.parse(item.frame.slice('data: '.length)) as OpenAIErrorBody };
    });
  }
}

/** OpenAI chunks in, Anthropic events out. */
export class OpenAIToAnthropicStream {
  private readonly decoder = new ChatStreamDecoder();
  private readonly encoder: MessagesStreamEncoder;

  constructor(opts: { model: string }) {
    this.encoder = new MessagesStreamEncoder(opts);
  }

  push(chunk: OpenAIChatChunk): AnthropicStreamEvent[] {
    this.decoder.push(chunk, this.encoder);
    return this.events();
  }

  error(err: unknown): AnthropicStreamEvent[] {
    this.encoder.error(normalizeStreamFailure(err));
    return this.events();
  }

  done(): AnthropicStreamEvent[] {
    this.decoder.push(STREAM_DONE, this.encoder);
    return this.events();
  }

  private events(): AnthropicStreamEvent[] {
    return this.encoder.take().map((item) => item.event as unknown as AnthropicStreamEvent);
  }
}

export class OpenAIStreamAssembler {
  private readonly inner = new ChatStreamAssembler();
  push(chunk: OpenAIChatChunk): void {
    this.inner.push(chunk);
  }
  result(): OpenAIChatCompletion {
    return this.inner.result() as unknown as OpenAIChatCompletion;
  }
}

export class AnthropicStreamAssembler {
  private readonly inner = new MessagesStreamAssembler();
  push(event: AnthropicStreamEvent): void {
    this.inner.push(event);
  }
  result(): AnthropicMessage {
    return this.inner.result() as unknown as AnthropicMessage;
  }
}

export function anthropicErrorToOpenAI(body: unknown, status: number): OpenAIErrorBody {
  return openaiErrorBody(normalizeAnyErrorBody(body, status));
}

export function openaiErrorToAnthropic(body: unknown, status: number): AnthropicErrorBody {
  return JSON.parse(messages.errors.encode(normalizeOpenAIErrorBody(body, status))) as AnthropicErrorBody;
}

export function anthropicStreamErrorToOpenAI(error: { type: string; message: string }): OpenAIErrorBody {
  return openaiErrorBody(normalizeAnthropicStreamError(error));
}

export function toAnthropicStreamError(err: unknown): AnthropicErrorBody['error'] {
  const n = normalizeStreamFailure(err);
  return { type: anthropicTypeOf(n), message: n.message };
}

export function anthropicStopReasonToOpenAI(reason: AnthropicStopReason | null): OpenAIFinishReason | null {
  return stopReasonToOpenAI(stopReasonFromAnthropic(reason));
}

export function openaiFinishReasonToAnthropic(reason: OpenAIFinishReason | null | undefined): AnthropicStopReason {
  return stopReasonToAnthropic(stopReasonFromOpenAI(reason));
}

export function anthropicUsageToOpenAI(u: AnthropicUsage): OpenAIUsage {
  return openaiUsageFrom(normalizeAnthropicUsage(u));
}

export function openaiUsageToAnthropic(u: OpenAIUsage): AnthropicUsage {
  return anthropicUsageFrom(normalizeOpenAIUsage(u));
}
