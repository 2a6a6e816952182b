import {
  GatewayError,
  type AnthropicContentBlock,
  type AnthropicMessageParam,
  type AnthropicMessagesRequest,
  type AnthropicTool,
  type AnthropicToolChoice,
} from '@lessllm/shared';
import { CUSTOM_TOOL_PARAMETERS, customToolDescription, wrapCustomInput } from '../common/custom-tools';
import { isRecord } from '../common/guards';
import { claudeThinkingStyle } from '../common/model-families';
import { refuseNonZeroPenalties } from '../common/penalties';
import type {
  IRCacheControl,
  IRFile,
  IRImage,
  IRMessage,
  IRPart,
  IRRequest,
  IRText,
  ReasoningEffort,
} from '../ir/chat';
import type { TranslationContext } from '../translation-context';

/** Anthropic has no JSON mode: `response_format: json_object` is emulated with this system instruction. */
export const JSON_OBJECT_INSTRUCTION = 'Respond with a single valid JSON object and nothing else.';

const ANTHROPIC_IMAGE_MEDIA_TYPES = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp']);
const DEFAULT_INPUT_SCHEMA: Record<string, unknown> = { type: 'object', properties: {} };
/** Anthropic's smallest thinking budget. */
const MIN_THINKING_BUDGET = 1024;

type Block = AnthropicContentBlock;

/** An internal request as an Anthropic Messages request (providers.md §3.1). */
export function messagesRequestFromIR(ir: IRRequest, ctx: TranslationContext): AnthropicMessagesRequest {
  rejectUnmappable(ir, ctx);
  const systemParts = ir.system.map((b) => b.text);
  const turns: AnthropicMessageParam[] = [];
  for (const message of ir.messages) {
    if (message.role === 'system') {
      // Anthropic has one leading system prompt (mid-conversation system turns only exist on its newest models):
      // every system instruction is hoisted into it, in order.
      const text = message.parts.map((p) => (p.type === 'text' ? p.text : '')).join('\n');
      if (text) systemParts.push(text);
      continue;
    }
    const blocks = message.parts.flatMap((p) => block(p, message, ctx));
    if (blocks.length === 0) continue;
    appendTurn(turns, { role: message.role === 'assistant' ? 'assistant' : 'user', content: blocks });
  }
  if (turns.length === 0) {
    throw GatewayError.invalid('messages', "'messages' must contain at least one user, assistant or tool message");
  }
  if (ir.output?.type === 'json_object') systemParts.push(JSON_OBJECT_INSTRUCTION);

  const out: AnthropicMessagesRequest = {
    model: ctx.upstreamModel,
    max_tokens: ctx.outputBudget(ir.maxOutputTokens, 'max_tokens') ?? ctx.defaultMaxTokens,
    messages: turns.map(collapseLoneText),
  };
  if (systemParts.length > 0) out.system = systemParts.join('\n');

  const tools = ir.tools.map((tool): AnthropicTool => {
    if (tool.custom) {
      return {
        name: tool.name,
        description: customToolDescription(tool.description),
        input_schema: CUSTOM_TOOL_PARAMETERS,
      };
    }
    const hasSchema = isRecord(tool.parameters) && Object.keys(tool.parameters).length > 0;
    const t: AnthropicTool = { name: tool.name, input_schema: hasSchema ? tool.parameters! : DEFAULT_INPUT_SCHEMA };
    if (tool.description !== undefined) t.description = tool.description;
    if (tool.strict === true) t.strict = true;
    if (tool.cacheControl) t.cache_control = cacheControl(tool.cacheControl);
    return t;
  });
  if (tools.length > 0) out.tools = tools;
  const toolChoice = withParallelToolUse(toolChoiceOf(ir), ir.parallelToolCalls, tools.length > 0);
  if (toolChoice) out.tool_choice = toolChoice;

  const thinking = writeThinking(ir, out, ctx);
  if (ir.temperature !== undefined) {
    if (thinking) ctx.drop('temperature', 'Anthropic takes no temperature while thinking');
    else out.temperature = Math.min(ir.temperature, 1);
  }
  if (ir.topP !== undefined) {
    if (thinking) ctx.drop('top_p', 'Anthropic takes no top_p while thinking');
    else out.top_p = ir.topP;
  }
  if (ir.stop) out.stop_sequences = ir.stop;
  if (ir.user) out.metadata = { user_id: ir.user };
  if (ir.output?.type === 'json_schema')
    out.output_config = { ...out.output_config, format: { type: 'json_schema', schema: ir.output.schema! } };
  if (ir.stream) out.stream = true;
  if (ir.serviceTier !== undefined) ctx.drop('service_tier', 'service tiers differ between APIs');
  if (ir.metadata !== undefined) ctx.drop('metadata', 'Anthropic metadata only takes user_id');
  if (ir.promptCacheKey !== undefined) ctx.drop('prompt_cache_key', 'Anthropic caches by cache_control breakpoints');
  if (ir.verbosity !== undefined) ctx.drop('verbosity', 'Anthropic has no verbosity setting');
  if (ir.sampling.seed !== undefined) ctx.drop('seed', 'Anthropic has no seed');
  return out;
}

function rejectUnmappable(ir: IRRequest, ctx: TranslationContext): void {
  const s = ir.sampling;
  if (s.n != null && s.n !== 1)
    throw GatewayError.unsupported('n', `n=${s.n} is not supported ${ctx.onTarget} (only n=1)`);
  if (s.logprobs === true) {
    throw GatewayError.unsupported(
      'logprobs',
      `logprobs=true is not supported ${ctx.onTarget} (Anthropic returns no log probabilities)`,
    );
  }
  if (s.topLogprobs != null && s.topLogprobs !== 0) {
    throw GatewayError.unsupported(
      'top_logprobs',
      `top_logprobs is not supported ${ctx.onTarget} (Anthropic returns no log probabilities)`,
    );
  }
  if (s.logitBias && Object.keys(s.logitBias).length > 0) {
    throw GatewayError.unsupported(
      'logit_bias',
      `logit_bias is not supported ${ctx.onTarget} (Anthropic has no token biasing)`,
    );
  }
  refuseNonZeroPenalties(s, ctx, 'Anthropic has no penalties; only 0 is accepted');
}

/**
 * Reasoning on Claude (anthropic-2026.md §3, §11): models that only take adaptive thinking get it with the effort in
 * `output_config.effort`; older ones get a `budget_tokens` from the configured table (translation.reasoning_budgets),
 * kept below max_tokens (which is raised when it must be). Returns whether thinking is on.
 */
function writeThinking(ir: IRRequest, out: AnthropicMessagesRequest, ctx: TranslationContext): boolean {
  const r = ir.reasoning;
  if (!r) return false;
  if (!r.enabled || r.effort === 'none') {
    // Always-thinking models reject `disabled`; leaving it out means "off" everywhere else.
    if (claudeThinkingStyle(ctx.upstreamModel) !== 'adaptive-only') out.thinking = { type: 'disabled' };
    return false;
  }
  const style = claudeThinkingStyle(ctx.upstreamModel);
  if (style !== 'budget') {
    out.thinking = { type: 'adaptive' };
    const effort = r.effort === 'minimal' ? 'low' : r.effort;
    if (effort) out.output_config = { ...out.output_config, effort: anthropicEffort(effort) } as never;
    return true;
  }
  const effort = r.effort ?? 'medium';
  const budget = Math.max(MIN_THINKING_BUDGET, r.budgetTokens ?? ctx.options.reasoningBudgets[effort]);
  // The budget counts toward max_tokens and must stay below it.
  if (out.max_tokens <= budget) out.max_tokens = budget + (ir.maxOutputTokens ?? ctx.defaultMaxTokens);
  out.thinking = { type: 'enabled', budget_tokens: budget };
  return true;
}

function anthropicEffort(effort: Exclude<ReasoningEffort, 'none' | 'minimal'>): string {
  return effort === 'xhigh' ? 'xhigh' : effort;
}

/** Anthropic wants alternating turns: a turn with the same role as the previous one is merged into it. */
function appendTurn(turns: AnthropicMessageParam[], next: AnthropicMessageParam): void {
  const last = turns[turns.length - 1];
  if (!last || last.role !== next.role) {
    turns.push(next);
    return;
  }
  const blocks = [...asBlocks(last.content), ...asBlocks(next.content)];
  turns[turns.length - 1] = { role: last.role, content: last.role === 'user' ? toolResultsFirst(blocks) : blocks };
}

function asBlocks(content: string | Block[]): Block[] {
  return typeof content === 'string' ? [{ type: 'text', text: content }] : content;
}

/** Anthropic requires the tool_result blocks to open the user turn that answers a tool_use. */
function toolResultsFirst(blocks: Block[]): Block[] {
  return [...blocks.filter((b) => b.type === 'tool_result'), ...blocks.filter((b) => b.type !== 'tool_result')];
}

/** A user turn that is one plain text block is written as a string, as callers usually send it. */
function collapseLoneText(turn: AnthropicMessageParam): AnthropicMessageParam {
  const content = turn.content;
  if (turn.role !== 'user' || typeof content === 'string' || content.length !== 1) return turn;
  const only = content[0] as { type: string; text?: string; cache_control?: unknown };
  if (only.type !== 'text' || only.cache_control !== undefined) return turn;
  return { role: 'user', content: only.text ?? '' };
}

function cacheControl(c: IRCacheControl): { type: 'ephemeral'; ttl?: '5m' | '1h' } {
  return c.ttl ? { type: 'ephemeral', ttl: c.ttl } : { type: 'ephemeral' };
}

function block(part: IRPart, message: IRMessage, ctx: TranslationContext): Block[] {
  switch (part.type) {
    case 'text': {
      // Anthropic rejects empty text blocks, and OpenAI clients send content "" next to tool_calls.
      if (part.text === '' && message.role === 'assistant') return [];
      const b: Record<string, unknown> = { type: 'text', text: part.text };
      if (part.cacheControl) b.cache_control = cacheControl(part.cacheControl);
      return [b as Block];
    }
    case 'refusal':
      return part.text ? [{ type: 'text', text: part.text }] : [];
    case 'image':
      return [imageBlock(part, ctx)];
    case 'file':
      return [documentBlock(part, ctx)];
    case 'tool_call':
      return [
        {
          type: 'tool_use',
          id: part.id,
          name: part.name,
          input: part.custom
            ? JSON.parse(wrapCustomInput(part.arguments))
            : parseToolArguments(part.arguments, part.path ?? 'messages'),
        },
      ];
    case 'tool_result': {
      const b: Record<string, unknown> = { type: 'tool_result', tool_use_id: part.callId };
      const only = part.content.length === 1 ? part.content[0] : undefined;
      if (part.plainText && only?.type === 'text' && !only.cacheControl) b.content = only.text;
      else if (part.content.length > 0) b.content = part.content.map((c) => resultBlock(c, ctx));
      if (part.isError) b.is_error = true;
      return [b as Block];
    }
    case 'reasoning':
      // Only Anthropic's own signed thinking can go back to Anthropic; anything else would be rejected (§3.2).
      if (part.origin !== 'anthropic') return [];
      if (part.redactedData !== undefined) return [{ type: 'redacted_thinking', data: part.redactedData }];
      if (!part.signature) return [];
      return [{ type: 'thinking', thinking: part.text, signature: part.signature }];
  }
}

function resultBlock(part: IRText | IRImage | IRFile, ctx: TranslationContext): Block {
  if (part.type === 'text') return { type: 'text', text: part.text };
  if (part.type === 'image') return imageBlock(part, ctx);
  return documentBlock(part, ctx);
}

function imageBlock(image: IRImage, ctx: TranslationContext): Block {
  const path = image.path ?? 'messages';
  if (image.url !== undefined) return { type: 'image', source: { type: 'url', url: image.url } };
  if (image.data === undefined) {
    throw GatewayError.unsupported(
      path,
      `an image given as a file id is not supported ${ctx.onTarget}; send it as base64 or a URL`,
    );
  }
  const mediaType = (image.mediaType ?? '').toLowerCase();
  if (!ANTHROPIC_IMAGE_MEDIA_TYPES.has(mediaType)) {
    throw GatewayError.unsupported(
      path,
      `image type '${mediaType}' is not supported ${ctx.onTarget} (only image/jpeg, image/png, image/gif, image/webp)`,
    );
  }
  return { type: 'image', source: { type: 'base64', media_type: mediaType, data: image.data } };
}

function documentBlock(file: IRFile, ctx: TranslationContext): Block {
  const title = file.filename ? { title: file.filename } : {};
  if (file.data !== undefined) {
    const mediaType = file.mediaType ?? 'application/pdf';
    if (mediaType === 'text/plain') {
      return {
        type: 'document',
        source: { type: 'text', media_type: 'text/plain', data: Buffer.from(file.data, 'base64').toString('utf8') },
        ...title,
      };
    }
    return { type: 'document', source: { type: 'base64', media_type: mediaType, data: file.data }, ...title };
  }
  if (file.url !== undefined) return { type: 'document', source: { type: 'url', url: file.url }, ...title };
  throw GatewayError.unsupported(
    file.path ?? 'messages',
    `a file given by file id is not supported ${ctx.onTarget} (file ids are not portable between providers); send it as base64 data`,
  );
}

function parseToolArguments(args: string, path: string): Record<string, unknown> {
  if (args.trim() === '') return {}; // a call without arguments
  let parsed: unknown;
  try {
    parsed = JSON.parse(args);
  } catch {
    throw GatewayError.invalid(path, `${path} is not valid JSON, so it cannot be sent to Anthropic as tool input`);
  }
  if (!isRecord(parsed)) throw GatewayError.invalid(path, `${path} must encode a JSON object`);
  return parsed;
}

function toolChoiceOf(ir: IRRequest): AnthropicToolChoice | undefined {
  const choice = ir.toolChoice;
  if (choice === undefined) return undefined;
  if (choice === 'auto') return { type: 'auto' };
  if (choice === 'required') return { type: 'any' };
  if (choice === 'none') return { type: 'none' };
  return { type: 'tool', name: choice.name };
}

/** `parallel_tool_calls: false` lives on Anthropic's tool_choice, which defaults to auto when the caller sent none. */
function withParallelToolUse(
  choice: AnthropicToolChoice | undefined,
  parallelToolCalls: boolean | undefined,
  hasTools: boolean,
): AnthropicToolChoice | undefined {
  if (parallelToolCalls !== false || !hasTools) return choice;
  const base: AnthropicToolChoice = choice ?? { type: 'auto' };
  // tool_choice none cannot carry the flag, and no tool will be called anyway.
  if (base.type === 'none') return base;
  return { ...base, disable_parallel_tool_use: true };
}
