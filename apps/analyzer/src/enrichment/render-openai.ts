import type { JsonRecord } from './json';
import { asArray, asRecord, asString, isRecord, safeStringify } from './json';
import type { PromptSink } from './prompt-sink';
import { MARK_IMAGE, MARK_MESSAGE, MARK_NAME, MARK_PRIMING, MARK_TOOLS } from './prompt-sink';
import type { ToolOverhead } from './tool-overhead';
import { renderFunctionTool } from './tool-overhead';

/** Per-message and reply-priming overheads of the cookbook (gpt-3.5-0613+ / gpt-4 / gpt-4o; providers.md §7.2). */
export const TOKENS_PER_MESSAGE = 3;
export const TOKENS_PER_NAME = 1;
export const REPLY_PRIMING_TOKENS = 3;

/**
 * Image estimates (images are not tokenised text; the real cost depends on pixels, which we do not decode):
 * OpenAI `detail: low` = 85 tokens, otherwise 765 (a 1024×1024 high-detail image: 4 tiles × 170 + 85).
 */
export const OPENAI_IMAGE_TOKENS = { low: 85, high: 765 } as const;

function renderContentPart(sink: PromptSink, part: unknown): void {
  if (typeof part === 'string') return sink.text(part);
  if (!isRecord(part)) return;
  const type = asString(part.type);
  const text = asString(part.text);
  if (type === 'text' || (type === undefined && text !== undefined)) return sink.text(text ?? '');
  if (type === 'image_url') {
    const image = asRecord(part.image_url);
    sink.marker(image?.detail === 'low' ? OPENAI_IMAGE_TOKENS.low : OPENAI_IMAGE_TOKENS.high, MARK_IMAGE);
    return sink.digest(asString(image?.url) ?? safeStringify(part));
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

function renderTools(sink: PromptSink, request: JsonRecord, overhead: ToolOverhead): void {
  const fns: unknown[] = [];
  for (const tool of asArray(request.tools)) fns.push(asRecord(tool)?.function ?? tool);
  for (const fn of asArray(request.functions)) fns.push(fn);
  let rendered = 0;
  for (const fn of fns) {
    const f = asRecord(fn);
    if (!f) continue;
    const name = asString(f.name) ?? '';
    renderFunctionTool(
      sink,
      { name, description: asString(f.description) ?? '', parameters: asRecord(f.parameters) },
      overhead,
      fn,
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
export function renderOpenAIChat(sink: PromptSink, request: JsonRecord, overhead: ToolOverhead): void {
  renderTools(sink, request, overhead);
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

/** An embeddings request: the input text(s) or token arrays, no overheads. */
export function renderEmbeddingsInput(sink: PromptSink, request: JsonRecord): void {
  const input = request.input;
  const items: readonly unknown[] =
    Array.isArray(input) && !input.every((x) => typeof x === 'number') ? input : [input];
  for (const item of items) {
    if (typeof item === 'string') sink.text(item);
    else if (Array.isArray(item)) sink.marker(item.length, MARK_MESSAGE);
  }
}
