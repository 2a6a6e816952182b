import type { RoutingInput, RoutingMessage } from '@lessllm/shared';
import { asArray, asRecord, asString, isRecord, safeStringify, type JsonRecord } from '../common/json';
import { contentText, positiveInt, routingRole } from '../common/routing-text';
import { renderFunctionTool } from '../prompt/function-tool';
import {
  MARK_IMAGE,
  MARK_MESSAGE,
  MARK_NAME,
  MARK_PRIMING,
  MARK_TOOLS,
  OPENAI_IMAGE_TOKENS,
  REPLY_PRIMING_TOKENS,
  TOKENS_PER_MESSAGE,
  TOKENS_PER_NAME,
  type PromptSink,
  type ToolOverhead,
} from '../prompt/prompt-sink.port';
import type { AnalysisFacet, Json } from '../wire-format';

/** The router's view of a chat request: {messages, tools?, functions?, response_format?, max_tokens?}. */
export function chatRoutingInput(body: unknown): RoutingInput {
  const b = isRecord(body) ? body : {};
  const messages: RoutingMessage[] = [];
  for (const m of asArray(b.messages)) {
    if (!isRecord(m)) continue;
    let text = contentText(m.content);
    if (Array.isArray(m.tool_calls)) {
      // assistant tool calls: the arguments are the text worth scoring
      const args = (m.tool_calls as unknown[])
        .map((c) => (isRecord(c) && isRecord(c.function) ? c.function.arguments : undefined))
        .filter((a): a is string => typeof a === 'string');
      if (args.length) text = text ? `${text}\n${args.join('\n')}` : args.join('\n');
    }
    messages.push({ role: routingRole(m.role), text });
  }
  const rf = isRecord(b.response_format) ? b.response_format.type : undefined;
  return {
    messages,
    tools: (Array.isArray(b.tools) && b.tools.length > 0) || (Array.isArray(b.functions) && b.functions.length > 0),
    jsonOutput: rf === 'json_object' || rf === 'json_schema',
    maxTokens: positiveInt(b.max_completion_tokens) ?? positiveInt(b.max_tokens),
  };
}

export function renderContentPart(sink: PromptSink, part: unknown): void {
  if (typeof part === 'string') return sink.text(part);
  if (!isRecord(part)) return;
  const type = asString(part.type);
  const text = asString(part.text);
  if (type === 'text' || type === 'input_text' || type === 'output_text' || (type === undefined && text !== undefined))
    return sink.text(text ?? '');
  if (type === 'image_url' || type === 'input_image') {
    const image = asRecord(part.image_url);
    const url = asString(part.image_url) ?? asString(image?.url);
    const detail = image?.detail ?? part.detail;
    sink.marker(detail === 'low' ? OPENAI_IMAGE_TOKENS.low : OPENAI_IMAGE_TOKENS.high, MARK_IMAGE);
    return sink.digest(url ?? safeStringify(part));
  }
  if (text !== undefined) sink.text(text);
  // Audio, files and unknown parts: not estimated (use provider usage), but they do change the prefix.
  sink.digest(safeStringify(part));
}

function renderToolCalls(sink: PromptSink, message: JsonRecord): void {
  for (const call of asArray(message.tool_calls)) {
    const fn = asRecord(asRecord(call)?.function);
    if (!fn) continue;
    sink.text(asString(fn.name) ?? '');
    sink.text(asString(fn.arguments) ?? '');
  }
  const legacy = asRecord(message.function_call);
  if (legacy) {
    sink.text(asString(legacy.name) ?? '');
    sink.text(asString(legacy.arguments) ?? '');
  }
}

/** Function tools per the cookbook formula (flat Responses tools and nested chat tools alike). */
export function renderOpenAITools(sink: PromptSink, tools: readonly unknown[], overhead: ToolOverhead): void {
  let rendered = 0;
  for (const tool of tools) {
    const f = asRecord(asRecord(tool)?.function) ?? asRecord(tool);
    if (!f) continue;
    renderFunctionTool(
      sink,
      { name: asString(f.name) ?? '', description: asString(f.description) ?? '', parameters: asRecord(f.parameters) },
      overhead,
      f,
    );
    rendered++;
  }
  if (rendered > 0) sink.marker(overhead.funcEnd, MARK_TOOLS);
}

/**
 * An OpenAI Chat Completions request: tools (cookbook formula), then each message as
 * 3 + tokens(role) + tokens(content) [+ tokens(name) + 1], then +3 reply priming. Tool calls in assistant turns
 * count their function name and argument text. A JSON-schema response_format is hashed as a system prefix.
 * One block per message (OpenAI caching is automatic, so blocks carry no breakpoints).
 */
export function renderChatPrompt(sink: PromptSink, request: JsonRecord, overhead: ToolOverhead): void {
  renderOpenAITools(sink, [...asArray(request.tools), ...asArray(request.functions)], overhead);
  const format = asRecord(request.response_format);
  if (format && format.type !== 'text') sink.digest(safeStringify(format));
  for (const m of asArray(request.messages)) {
    const message = asRecord(m);
    if (!message) continue;
    sink.marker(TOKENS_PER_MESSAGE, MARK_MESSAGE);
    const role = asString(message.role) ?? '';
    sink.text(role);
    const name = asString(message.name);
    if (name !== undefined) {
      sink.text(name);
      sink.marker(TOKENS_PER_NAME, MARK_NAME);
    }
    const content = message.content;
    if (typeof content === 'string') sink.text(content);
    else for (const part of asArray(content)) renderContentPart(sink, part);
    renderToolCalls(sink, message);
    const toolCallId = asString(message.tool_call_id);
    if (toolCallId !== undefined) sink.digest(toolCallId);
    sink.endBlock(role === 'system' || role === 'developer' ? 'system' : 'messages', null);
  }
  sink.marker(REPLY_PRIMING_TOKENS, MARK_PRIMING);
}

/** Visible text, refusals, reasoning text and tool calls of every choice. */
export function chatOutputTexts(body: Json): string[] {
  const texts: string[] = [];
  for (const c of asArray(body.choices)) {
    const choice = asRecord(c);
    const message = asRecord(choice?.message) ?? asRecord(choice?.delta);
    if (!message) continue;
    const content = message.content;
    if (typeof content === 'string') texts.push(content);
    else for (const part of asArray(content)) texts.push(asString(asRecord(part)?.text) ?? '');
    for (const key of ['refusal', 'reasoning_content', 'reasoning']) {
      const value = asString(message[key]);
      if (value) texts.push(value);
    }
    for (const call of asArray(message.tool_calls)) {
      const record = asRecord(call);
      const fn = asRecord(record?.function);
      const custom = asRecord(record?.custom);
      texts.push(asString(fn?.name ?? custom?.name) ?? '', asString(fn?.arguments ?? custom?.input) ?? '');
    }
    const legacy = asRecord(message.function_call);
    if (legacy) texts.push(asString(legacy.name) ?? '', asString(legacy.arguments) ?? '');
  }
  return texts;
}

export function openaiPromptCacheHints(body: Json): { key: string; retention24h: boolean } {
  return {
    key: asString(body.prompt_cache_key) ?? '',
    retention24h: body.prompt_cache_retention === '24h',
  };
}

export const chatAnalysis: AnalysisFacet = {
  routingInput: chatRoutingInput,
  wantsJson(body) {
    const type = asRecord(body.response_format)?.type;
    return type === 'json_object' || type === 'json_schema';
  },
  renderPrompt: renderChatPrompt,
  outputTexts: chatOutputTexts,
  promptCacheHints: openaiPromptCacheHints,
};
