import type {
  OpenAIChatRequest,
  OpenAIErrorBody,
  OpenAIFinishReason,
  OpenAIToolCall,
  OpenAIUsage,
} from '@lessllm/shared';
import type { Behaviour } from '../shared/behaviour';
import { sampleArguments } from '../shared/schema';
import { applyStop, asNumber, countWords, estimateTokens, isRecord, truncateWords } from '../shared/text';
import { ERRORS, openaiError } from './respond';

/** What the fake model "says" for one chat request. */
export interface ChatReply {
  content: string | null;
  toolCall: OpenAIToolCall | null;
  finishReason: OpenAIFinishReason;
  usage: OpenAIUsage;
}

export const ODD_SPLIT_SUFFIX = ' héllo wörld ✓';
export const SLOW_STREAM_TEXT = Array.from({ length: 20 }, (_, i) => `w${i + 1}`).join(' ');

export type ChatValidation = { ok: true; request: OpenAIChatRequest } | { ok: false; error: OpenAIErrorBody };

export function validateChatRequest(body: unknown): ChatValidation {
  const fail = (error: OpenAIErrorBody): ChatValidation => ({ ok: false, error });
  if (!isRecord(body)) return fail(ERRORS.invalidJson);
  if (typeof body.model !== 'string' || body.model === '') return fail(ERRORS.missingModel);
  if (body.messages === undefined) return fail(ERRORS.missing('messages'));
  if (!Array.isArray(body.messages) || !body.messages.every(isRecord)) {
    return fail(
      openaiError(
        "Invalid type for 'messages': expected an array of objects.",
        'invalid_request_error',
        'messages',
        'invalid_type',
      ),
    );
  }
  if (body.messages.length === 0) return fail(ERRORS.emptyMessages);
  return { ok: true, request: body as OpenAIChatRequest };
}

/** Text of a message `content` (string, or text parts joined with a space). */
export function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  const texts: string[] = [];
  for (const part of content) if (isRecord(part) && typeof part.text === 'string') texts.push(part.text);
  return texts.join(' ');
}

/** `ceil(total content chars / 4) + 3 per message`. */
export function promptTokens(request: OpenAIChatRequest): number {
  let chars = 0;
  for (const message of request.messages) chars += contentText(message.content).length;
  return estimateTokens(chars, request.messages.length);
}

function lastUserText(request: OpenAIChatRequest): string {
  for (let i = request.messages.length - 1; i >= 0; i--) {
    if (request.messages[i].role === 'user') return contentText(request.messages[i].content);
  }
  return '';
}

/** The tool to call, or undefined when the request should be answered with text. */
function chosenTool(request: OpenAIChatRequest): { name: string; parameters: unknown } | undefined {
  const tools = Array.isArray(request.tools) ? request.tools.filter((t) => isRecord(t) && isRecord(t.function)) : [];
  if (tools.length === 0 || request.tool_choice === 'none') return undefined;
  if (request.messages[request.messages.length - 1].role === 'tool') return undefined;
  const choice = request.tool_choice;
  const forced = isRecord(choice) && isRecord(choice.function) ? choice.function.name : undefined;
  const tool = tools.find((t) => t.function.name === forced) ?? tools[0];
  return { name: String(forced ?? tool.function.name), parameters: tool.function.parameters };
}

function replyText(request: OpenAIChatRequest, behaviour: Behaviour): string {
  if (behaviour === 'stream-slow' && request.stream) return SLOW_STREAM_TEXT;
  const last = request.messages[request.messages.length - 1];
  let text = last.role === 'tool' ? `tool said: ${contentText(last.content)}` : `echo: ${lastUserText(request)}`;
  if (behaviour === 'stream-odd-splits') text += ODD_SPLIT_SUFFIX;
  const format = request.response_format;
  if (isRecord(format) && (format.type === 'json_object' || format.type === 'json_schema')) {
    text = JSON.stringify({ answer: text });
  }
  return text;
}

function usageOf(request: OpenAIChatRequest, completion: number): OpenAIUsage {
  const prompt = promptTokens(request);
  const cached = request.model.includes('cached') && prompt >= 1024 ? Math.floor(prompt / 128) * 128 : 0;
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: cached, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: 0,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  };
}

/**
 * Default behaviour: `echo: <last user text>`; `tool said: <content>` after a tool message; one call to the first
 * (or forced) tool when tools are offered; `{"answer": ...}` in JSON mode; `max_tokens` / `stop` honoured.
 */
export function buildChatReply(request: OpenAIChatRequest, behaviour: Behaviour, callId: string): ChatReply {
  const tool = chosenTool(request);
  if (tool) {
    const args = JSON.stringify(sampleArguments(tool.parameters));
    return {
      content: null,
      toolCall: { id: callId, type: 'function', function: { name: tool.name, arguments: args } },
      finishReason: 'tool_calls',
      usage: usageOf(request, Math.ceil((tool.name.length + args.length) / 4)),
    };
  }
  let text = replyText(request, behaviour);
  let finishReason: OpenAIFinishReason = 'stop';
  const stop = request.stop;
  if (stop) text = applyStop(text, typeof stop === 'string' ? [stop] : stop).text;
  const max = asNumber(request.max_completion_tokens) ?? asNumber(request.max_tokens);
  if (max !== undefined && max < countWords(text)) {
    text = truncateWords(text, max);
    finishReason = 'length';
  }
  return { content: text, toolCall: null, finishReason, usage: usageOf(request, countWords(text)) };
}
