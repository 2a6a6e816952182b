import { GatewayError } from '@lessllm/shared';
import { describe, isRecord } from '../common/guards';
import type {
  IRCacheControl,
  IRFile,
  IRImage,
  IRMessage,
  IRPart,
  IRReasoningConfig,
  IRRequest,
  IRText,
  IRTool,
  IRToolChoice,
  ReasoningEffort,
} from '../ir/chat';
import type { TranslationContext } from '../translation-context';

type Json = Record<string, unknown>;

/** Effort names of `output_config.effort`; Anthropic's `max` is above OpenAI's scale and maps to `xhigh`. */
const EFFORT_FROM_ANTHROPIC: Record<string, ReasoningEffort> = {
  low: 'low',
  medium: 'medium',
  high: 'high',
  xhigh: 'xhigh',
  max: 'xhigh',
};

/**
 * An Anthropic Messages request in the internal representation (for any other target format). `cache_control`
 * markers are kept on the parts (other targets drop them: OpenAI caches prompt prefixes automatically).
 */
export function messagesRequestToIR(req: Json, ctx: TranslationContext): IRRequest {
  if (typeof req.max_tokens !== 'number' || !Number.isInteger(req.max_tokens) || req.max_tokens < 1) {
    throw GatewayError.invalid('max_tokens', "'max_tokens' is required and must be a positive integer");
  }
  const ir: IRRequest = {
    model: typeof req.model === 'string' ? req.model : '',
    system: systemBlocks(req.system),
    messages: readMessages(req.messages, ctx),
    tools: readTools(req.tools, ctx),
    maxOutputTokens: req.max_tokens,
    sampling: {},
    stream: req.stream === true,
  };
  const choice = readToolChoice(req.tool_choice, ctx);
  if (choice.toolChoice !== undefined) ir.toolChoice = choice.toolChoice;
  if (choice.parallel === false) ir.parallelToolCalls = false;
  if (typeof req.temperature === 'number') ir.temperature = req.temperature;
  if (typeof req.top_p === 'number') ir.topP = req.top_p;
  if (typeof req.top_k === 'number') ir.topK = req.top_k;
  if (Array.isArray(req.stop_sequences) && req.stop_sequences.length > 0) {
    ir.stop = req.stop_sequences.filter((s): s is string => typeof s === 'string');
  }
  const metadata = isRecord(req.metadata) ? req.metadata : undefined;
  if (typeof metadata?.user_id === 'string' && metadata.user_id) ir.user = metadata.user_id;
  const outputConfig = isRecord(req.output_config) ? req.output_config : undefined;
  const format = outputConfig?.format ?? req.output_format;
  if (format != null) {
    if (isRecord(format) && format.type === 'json_schema' && isRecord(format.schema)) {
      ir.output = { type: 'json_schema', schema: format.schema };
    } else {
      const type = isRecord(format) ? format.type : format;
      throw GatewayError.unsupported(
        'output_config.format',
        `output_config.format ${describe(type)} is not supported ${ctx.onTarget} (only json_schema)`,
      );
    }
  }
  const reasoning = readThinking(req.thinking, outputConfig?.effort, ctx);
  if (reasoning) ir.reasoning = reasoning;
  if (typeof req.service_tier === 'string') ir.serviceTier = req.service_tier;
  // Server-side context editing shortens long histories before the model reads them; without it the whole
  // history is sent, which costs more but means the same (anthropic-2026.md §4).
  if (req.context_management != null) ctx.drop('context_management', 'context editing is an Anthropic server feature');
  if (req.cache_control != null) ctx.drop('cache_control', 'automatic prompt caching is configured by the target');
  if (outputConfig?.task_budget != null) ctx.drop('output_config.task_budget', 'task budgets are an Anthropic feature');
  if (req.speed != null) ctx.drop('speed', 'fast mode is an Anthropic feature');
  if (req.container != null) ctx.drop('container', 'code execution containers are an Anthropic feature');
  if (req.mcp_servers != null) {
    throw ctx.unsupported('mcp_servers', 'the MCP connector (mcp_servers) is not supported');
  }
  return ir;
}

function cacheControlOf(value: unknown): IRCacheControl | undefined {
  if (!isRecord(value)) return undefined;
  return value.ttl === '1h' ? { ttl: '1h' } : value.ttl === '5m' ? { ttl: '5m' } : {};
}

function systemBlocks(system: unknown): IRText[] {
  if (system == null) return [];
  if (typeof system === 'string') return system ? [{ type: 'text', text: system, path: 'system' }] : [];
  if (!Array.isArray(system))
    throw GatewayError.invalid('system', "'system' must be a string or an array of text blocks");
  return system.map((block: unknown, i): IRText => {
    if (isRecord(block) && block.type === 'text' && typeof block.text === 'string') {
      const cacheControl = cacheControlOf(block.cache_control);
      return { type: 'text', text: block.text, path: `system[${i}]`, ...(cacheControl ? { cacheControl } : {}) };
    }
    throw GatewayError.invalid(`system[${i}]`, `system[${i}] must be a text block`);
  });
}

function readMessages(messages: unknown, ctx: TranslationContext): IRMessage[] {
  if (!Array.isArray(messages) || messages.length === 0) {
    throw GatewayError.invalid('messages', "'messages' must be a non-empty array");
  }
  return messages.flatMap((msg: unknown, i): IRMessage[] => {
    const path = `messages[${i}]`;
    if (!isRecord(msg)) throw GatewayError.invalid(path, `${path} must be an object`);
    const { content } = msg;
    if (typeof content !== 'string' && !Array.isArray(content)) {
      throw GatewayError.invalid(`${path}.content`, `${path}.content must be a string or an array of content blocks`);
    }
    switch (msg.role) {
      case 'user':
        return userMessages(content, path, ctx);
      case 'assistant': {
        const parts = assistantParts(content, path, ctx);
        return parts.length > 0 ? [{ role: 'assistant', parts }] : [];
      }
      case 'system': {
        // A mid-conversation system turn (Claude Code 2.x): instructions at this point of the conversation.
        const parts = blocksOf(content, path).map((block, j) => textBlock(block, `${path}.content[${j}]`, ctx));
        return parts.length > 0 ? [{ role: 'system', parts }] : [];
      }
      default:
        throw GatewayError.invalid(
          `${path}.role`,
          `${path}.role must be 'user', 'assistant' or 'system' (got ${describe(msg.role)})`,
        );
    }
  });
}

function blocksOf(content: string | unknown[], path: string): unknown[] {
  return typeof content === 'string' ? [{ type: 'text', text: content, _path: `${path}.content` }] : content;
}

/** One user turn: its tool results become a tool turn, placed before the rest of the turn. */
function userMessages(content: string | unknown[], path: string, ctx: TranslationContext): IRMessage[] {
  if (typeof content === 'string')
    return [{ role: 'user', parts: [{ type: 'text', text: content, path: `${path}.content` }] }];
  const results: IRPart[] = [];
  const parts: IRPart[] = [];
  content.forEach((block: unknown, j) => {
    const blockPath = `${path}.content[${j}]`;
    if (!isRecord(block)) throw GatewayError.invalid(blockPath, `${blockPath} must be a content block object`);
    switch (block.type) {
      case 'tool_result':
        results.push(toolResult(block, blockPath, ctx));
        return;
      case 'text':
        parts.push(textBlock(block, blockPath, ctx));
        return;
      case 'image':
        parts.push(imageBlock(block, blockPath, ctx));
        return;
      case 'document':
        parts.push(documentBlock(block, blockPath, ctx));
        return;
      default:
        throw unsupportedBlock(block.type, blockPath, ctx);
    }
  });
  const out: IRMessage[] = [];
  if (results.length > 0) out.push({ role: 'tool', parts: results });
  if (parts.length > 0) out.push({ role: 'user', parts });
  return out;
}

function unsupportedBlock(type: unknown, path: string, ctx: TranslationContext): GatewayError {
  return GatewayError.unsupported(path, `content block type ${describe(type)} is not supported ${ctx.onTarget}`);
}

function textBlock(block: unknown, path: string, ctx: TranslationContext): IRText {
  if (!isRecord(block) || block.type !== 'text') {
    throw unsupportedBlock(isRecord(block) ? block.type : block, path, ctx);
  }
  if (typeof block.text !== 'string') throw GatewayError.invalid(`${path}.text`, `${path}.text must be a string`);
  const cacheControl = cacheControlOf(block.cache_control);
  const sourcePath = typeof block._path === 'string' ? block._path : path;
  return { type: 'text', text: block.text, path: sourcePath, ...(cacheControl ? { cacheControl } : {}) };
}

function imageBlock(block: Json, path: string, ctx: TranslationContext): IRImage {
  const { source } = block;
  if (isRecord(source)) {
    if (source.type === 'base64' && typeof source.media_type === 'string' && typeof source.data === 'string') {
      return { type: 'image', data: source.data, mediaType: source.media_type, path };
    }
    if (source.type === 'url' && typeof source.url === 'string') return { type: 'image', url: source.url, path };
    if (source.type === 'file') {
      throw GatewayError.unsupported(
        `${path}.source`,
        `image source type 'file' (Files API file_id) is not supported ${ctx.onTarget}; send the image as base64 or a URL`,
      );
    }
  }
  throw GatewayError.invalid(`${path}.source`, `${path}.source must be a base64 or url image source`);
}

function documentBlock(block: Json, path: string, ctx: TranslationContext): IRFile | IRText {
  const source = isRecord(block.source) ? block.source : undefined;
  const filename = typeof block.title === 'string' ? block.title : undefined;
  if (source?.type === 'base64' && typeof source.data === 'string') {
    return {
      type: 'file',
      data: source.data,
      mediaType: typeof source.media_type === 'string' ? source.media_type : 'application/pdf',
      path,
      ...(filename ? { filename } : {}),
    };
  }
  if (source?.type === 'text' && typeof source.data === 'string') return { type: 'text', text: source.data, path };
  if (source?.type === 'url' && typeof source.url === 'string')
    return { type: 'file', url: source.url, path, ...(filename ? { filename } : {}) };
  throw GatewayError.unsupported(
    `${path}.source`,
    `document source ${describe(source?.type)} is not supported ${ctx.onTarget} (send base64, text or a URL)`,
  );
}

function toolResult(block: Json, path: string, ctx: TranslationContext): IRPart {
  if (typeof block.tool_use_id !== 'string' || !block.tool_use_id) {
    throw GatewayError.invalid(`${path}.tool_use_id`, `${path}.tool_use_id must be a non-empty string`);
  }
  const { content } = block;
  let parts: Array<IRText | IRImage | IRFile> = [];
  if (typeof content === 'string') parts = [{ type: 'text', text: content, path: `${path}.content` }];
  else if (Array.isArray(content)) {
    parts = content.map((inner: unknown, k) => {
      const innerPath = `${path}.content[${k}]`;
      if (isRecord(inner) && inner.type === 'text') return textBlock(inner, innerPath, ctx);
      if (isRecord(inner) && inner.type === 'image') return imageBlock(inner, innerPath, ctx);
      if (isRecord(inner) && inner.type === 'document') return documentBlock(inner, innerPath, ctx);
      throw unsupportedBlock(isRecord(inner) ? inner.type : inner, innerPath, ctx);
    });
  } else if (content != null) {
    throw GatewayError.invalid(`${path}.content`, `${path}.content must be a string or an array of blocks`);
  }
  return { type: 'tool_result', callId: block.tool_use_id, content: parts, isError: block.is_error === true, path };
}

function assistantParts(content: string | unknown[], path: string, ctx: TranslationContext): IRPart[] {
  if (typeof content === 'string') return content ? [{ type: 'text', text: content, path: `${path}.content` }] : [];
  const parts: IRPart[] = [];
  content.forEach((block: unknown, j) => {
    const blockPath = `${path}.content[${j}]`;
    if (!isRecord(block)) throw GatewayError.invalid(blockPath, `${blockPath} must be a content block object`);
    switch (block.type) {
      case 'text':
        parts.push(textBlock(block, blockPath, ctx));
        return;
      case 'tool_use': {
        if (typeof block.id !== 'string' || !block.id)
          throw GatewayError.invalid(`${blockPath}.id`, `${blockPath}.id must be a non-empty string`);
        if (typeof block.name !== 'string' || !block.name) {
          throw GatewayError.invalid(`${blockPath}.name`, `${blockPath}.name must be a non-empty string`);
        }
        parts.push({
          type: 'tool_call',
          id: block.id,
          name: block.name,
          arguments: JSON.stringify(block.input ?? {}),
          path: blockPath,
        });
        return;
      }
      case 'thinking':
        parts.push({
          type: 'reasoning',
          text: typeof block.thinking === 'string' ? block.thinking : '',
          origin: 'anthropic',
          path: blockPath,
          ...(typeof block.signature === 'string' ? { signature: block.signature } : {}),
        });
        return;
      case 'redacted_thinking':
        parts.push({
          type: 'reasoning',
          text: '',
          origin: 'anthropic',
          redactedData: typeof block.data === 'string' ? block.data : '',
          path: blockPath,
        });
        return;
      default:
        throw unsupportedBlock(block.type, blockPath, ctx);
    }
  });
  return parts;
}

function readTools(tools: unknown, ctx: TranslationContext): IRTool[] {
  if (tools == null) return [];
  if (!Array.isArray(tools)) throw GatewayError.invalid('tools', "'tools' must be an array");
  return tools.map((tool: unknown, i): IRTool => {
    const path = `tools[${i}]`;
    if (!isRecord(tool)) throw GatewayError.invalid(path, `${path} must be an object`);
    if (tool.type !== undefined && tool.type !== 'custom') {
      throw GatewayError.unsupported(
        `${path}.type`,
        `server tool ${describe(tool.type)} is not supported ${ctx.onTarget} (only custom tools with an input_schema)`,
      );
    }
    if (typeof tool.name !== 'string' || !tool.name)
      throw GatewayError.invalid(`${path}.name`, `${path}.name must be a non-empty string`);
    const out: IRTool = { name: tool.name, path };
    if (typeof tool.description === 'string') out.description = tool.description;
    if (isRecord(tool.input_schema)) out.parameters = tool.input_schema;
    if (tool.strict === true) out.strict = true;
    const cacheControl = cacheControlOf(tool.cache_control);
    if (cacheControl) out.cacheControl = cacheControl;
    // Tool-search and programmatic-calling hints (beta advanced-tool-use): behaviour only.
    for (const hint of ['defer_loading', 'input_examples', 'allowed_callers', 'eager_input_streaming'] as const) {
      if (tool[hint] != null) ctx.drop(`${path}.${hint}`, 'an Anthropic tool-use hint');
    }
    return out;
  });
}

function readToolChoice(choice: unknown, ctx: TranslationContext): { toolChoice?: IRToolChoice; parallel?: boolean } {
  if (choice == null) return {};
  if (!isRecord(choice)) throw GatewayError.invalid('tool_choice', "'tool_choice' must be an object");
  const out: { toolChoice?: IRToolChoice; parallel?: boolean } = {};
  switch (choice.type) {
    case 'auto':
      out.toolChoice = 'auto';
      break;
    case 'any':
      out.toolChoice = 'required';
      break;
    case 'none':
      out.toolChoice = 'none';
      break;
    case 'tool':
      if (typeof choice.name !== 'string' || !choice.name) {
        throw GatewayError.invalid('tool_choice.name', "'tool_choice.name' must be a non-empty string");
      }
      out.toolChoice = { name: choice.name };
      break;
    default:
      throw GatewayError.unsupported(
        'tool_choice.type',
        `tool_choice type ${describe(choice.type)} is not supported ${ctx.onTarget}`,
      );
  }
  if (choice.disable_parallel_tool_use === true) out.parallel = false;
  return out;
}

/**
 * `thinking` and `output_config.effort` as one reasoning setting: `enabled` with a budget, `adaptive` (the model
 * decides; its default effort unless `output_config.effort` names one), or `disabled`.
 */
function readThinking(thinking: unknown, effort: unknown, ctx: TranslationContext): IRReasoningConfig | undefined {
  const named = typeof effort === 'string' ? EFFORT_FROM_ANTHROPIC[effort] : undefined;
  if (thinking == null) return named ? { enabled: true, effort: named } : undefined;
  if (!isRecord(thinking)) throw GatewayError.invalid('thinking', "'thinking' must be an object");
  const display = typeof thinking.display === 'string' ? thinking.display : undefined;
  const summary = display === 'omitted' ? undefined : 'auto';
  switch (thinking.type) {
    case 'disabled':
      return { enabled: false };
    case 'enabled': {
      const budget = thinking.budget_tokens;
      if (typeof budget !== 'number' || !Number.isInteger(budget) || budget < 1) {
        throw GatewayError.invalid('thinking.budget_tokens', "'thinking.budget_tokens' must be a positive integer");
      }
      return {
        enabled: true,
        budgetTokens: budget,
        ...(named ? { effort: named } : {}),
        ...(summary ? { summary } : {}),
      };
    }
    case 'adaptive':
      return { enabled: true, ...(named ? { effort: named } : {}), ...(summary ? { summary } : {}) };
    default:
      throw GatewayError.unsupported(
        'thinking.type',
        `thinking type ${describe(thinking.type)} is not supported ${ctx.onTarget}`,
      );
  }
}
