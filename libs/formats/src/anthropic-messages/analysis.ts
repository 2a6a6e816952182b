import type { RoutingInput, RoutingMessage } from '@lessllm/shared';
import { asArray, asRecord, asString, isRecord, safeStringify, type JsonRecord } from '../common/json';
import { contentText, positiveInt, routingRole } from '../common/routing-text';
import { renderFunctionTool } from '../prompt/function-tool';
import {
  ANTHROPIC_IMAGE_TOKENS,
  MARK_IMAGE,
  MARK_MESSAGE,
  MARK_PRIMING,
  MARK_TOOLS,
  REPLY_PRIMING_TOKENS,
  TOKENS_PER_MESSAGE,
  type PromptCacheTtl,
  type PromptSink,
  type ToolOverhead,
} from '../prompt/prompt-sink.port';
import type { AnalysisFacet, Json } from '../wire-format';

/** The router's view of a Messages request: {system?, messages (string or blocks), tools?, max_tokens, output_config?}. */
export function messagesRoutingInput(body: unknown): RoutingInput {
  const b = isRecord(body) ? body : {};
  const messages: RoutingMessage[] = [];
  const system = contentText(b.system);
  if (system) messages.push({ role: 'system', text: system });
  for (const m of asArray(b.messages)) {
    if (!isRecord(m)) continue;
    const blocks = asArray(m.content);
    // a user message made only of tool results is the tool's turn, not the user's
    const onlyToolResults = blocks.length > 0 && blocks.every((x) => isRecord(x) && x.type === 'tool_result');
    messages.push({ role: onlyToolResults ? 'tool' : routingRole(m.role), text: contentText(m.content) });
  }
  return {
    messages,
    tools: Array.isArray(b.tools) && b.tools.length > 0,
    jsonOutput: wantsJson(b),
    maxTokens: positiveInt(b.max_tokens),
  };
}

function wantsJson(body: Json): boolean {
  const format = asRecord(asRecord(body.output_config)?.format) ?? asRecord(body.output_format);
  return format?.type === 'json_schema' || format?.type === 'json';
}

/** A `cache_control` marker's TTL, or null when the value is not a marker. */
export function cacheTtl(value: unknown): PromptCacheTtl | null {
  if (!isRecord(value)) return null;
  return value.ttl === '1h' ? '1h' : '5m';
}

function renderImage(sink: PromptSink, block: JsonRecord): void {
  sink.marker(ANTHROPIC_IMAGE_TOKENS, MARK_IMAGE);
  const source = asRecord(block.source);
  sink.digest(asString(source?.data) ?? asString(source?.url) ?? asString(source?.file_id) ?? safeStringify(source));
}

/** The token-bearing text of one content block; thinking from earlier turns is not input (§7.3), only hashed. */
function renderBlock(sink: PromptSink, value: unknown): void {
  if (typeof value === 'string') return sink.text(value);
  const block = asRecord(value);
  if (!block) return;
  switch (block.type) {
    case 'text':
      return sink.text(asString(block.text) ?? '');
    case 'image':
      return renderImage(sink, block);
    case 'tool_use':
    case 'server_tool_use':
      sink.text(asString(block.name) ?? '');
      return sink.text(safeStringify(block.input ?? {}));
    case 'tool_result': {
      sink.digest(asString(block.tool_use_id) ?? '');
      const content = block.content;
      if (typeof content === 'string') return sink.text(content);
      for (const inner of asArray(content)) renderBlock(sink, inner);
      return;
    }
    case 'thinking':
    case 'redacted_thinking':
      return sink.digest(asString(block.signature) ?? asString(block.data) ?? asString(block.thinking) ?? '');
    case 'document': {
      const source = asRecord(block.source);
      if (source?.type === 'text') return sink.text(asString(source.data) ?? '');
      if (source?.type === 'content') {
        const content = source.content;
        if (typeof content === 'string') return sink.text(content);
        for (const inner of asArray(content)) renderBlock(sink, inner);
        return;
      }
      // PDFs and file references: not estimated (use provider usage), only hashed.
      return sink.digest(asString(source?.data) ?? safeStringify(source));
    }
    default: {
      const text = asString(block.text);
      if (text !== undefined) sink.text(text);
      return sink.digest(safeStringify(block));
    }
  }
}

function renderTools(sink: PromptSink, request: JsonRecord, overhead: ToolOverhead): void {
  const tools = asArray(request.tools).filter(isRecord);
  tools.forEach((tool, i) => {
    const schema = asRecord(tool.input_schema);
    const name = asString(tool.name) ?? '';
    if (schema) {
      renderFunctionTool(
        sink,
        { name, description: asString(tool.description) ?? '', parameters: schema },
        overhead,
        tool,
      );
    } else {
      // Server tools (web search, code execution, …) have a `type` and no schema.
      sink.text(name);
      sink.digest(safeStringify(tool));
    }
    if (i === tools.length - 1) sink.marker(overhead.funcEnd, MARK_TOOLS);
    sink.endBlock('tools', cacheTtl(tool.cache_control));
  });
}

function renderSystem(sink: PromptSink, system: unknown): void {
  if (typeof system === 'string') {
    if (system.length === 0) return;
    sink.marker(TOKENS_PER_MESSAGE, MARK_MESSAGE);
    sink.text(system);
    return sink.endBlock('system', null);
  }
  const blocks = asArray(system);
  if (blocks.length === 0) return;
  sink.marker(TOKENS_PER_MESSAGE, MARK_MESSAGE);
  for (const block of blocks) {
    renderBlock(sink, block);
    sink.endBlock('system', cacheTtl(asRecord(block)?.cache_control));
  }
}

/**
 * An Anthropic Messages request in cache order: tools → system → messages, one block per tool, system text block
 * and message content block, each carrying its `cache_control`. Overheads mirror the OpenAI cookbook (3 per turn,
 * +3 priming, tool formula); Claude's real overheads are not published, so the counts are estimates.
 * tool_choice and thinking settings are hashed in front of the messages (changing them invalidates the message
 * cache, §2.9). A top-level `cache_control` (automatic caching ⚠) marks the last block.
 */
export function renderMessagesPrompt(sink: PromptSink, request: JsonRecord, overhead: ToolOverhead): void {
  renderTools(sink, request, overhead);
  renderSystem(sink, request.system);
  sink.digest(safeStringify([request.tool_choice ?? null, request.thinking ?? null]));
  for (const m of asArray(request.messages)) {
    const message = asRecord(m);
    if (!message) continue;
    sink.marker(TOKENS_PER_MESSAGE, MARK_MESSAGE);
    sink.text(asString(message.role) ?? '');
    const content = message.content;
    if (typeof content === 'string' || !Array.isArray(content) || content.length === 0) {
      if (typeof content === 'string') sink.text(content);
      sink.endBlock('messages', null);
      continue;
    }
    for (const block of content) {
      renderBlock(sink, block);
      sink.endBlock('messages', cacheTtl(asRecord(block)?.cache_control));
    }
  }
  const auto = cacheTtl(request.cache_control);
  if (auto) sink.markLastBlock(auto);
  sink.marker(REPLY_PRIMING_TOKENS, MARK_PRIMING);
}

export function messagesOutputTexts(body: Json): string[] {
  const texts: string[] = [];
  for (const b of asArray(body.content)) {
    if (!isRecord(b)) continue;
    if (b.type === 'text') texts.push(asString(b.text) ?? '');
    else if (b.type === 'thinking') texts.push(asString(b.thinking) ?? '');
    else if (b.type === 'tool_use' || b.type === 'server_tool_use') {
      texts.push(asString(b.name) ?? '', safeStringify(b.input ?? {}));
    }
  }
  return texts;
}

export const messagesAnalysis: AnalysisFacet = {
  routingInput: messagesRoutingInput,
  wantsJson,
  renderPrompt: renderMessagesPrompt,
  outputTexts: messagesOutputTexts,
  promptCacheHints: () => ({ key: '', retention24h: false }),
};
