import { GatewayError } from '@lessllm/shared';
import { describe, isRecord } from '../common/guards';
import { parseFileData, parseImageUrl } from '../common/media';
import type {
  IRFile,
  IRImage,
  IRMessage,
  IROutputFormat,
  IRPart,
  IRReasoning,
  IRRequest,
  IRText,
  IRTool,
  IRToolChoice,
  ReasoningEffort,
} from '../ir/chat';
import type { TranslationContext } from '../translation-context';
import { flatToolName } from './namespaces';
import { unpackAnthropicThinking } from './reasoning-pack';

type Json = Record<string, unknown>;

const EFFORTS: Record<string, ReasoningEffort> = {
  none: 'none',
  minimal: 'minimal',
  low: 'low',
  medium: 'medium',
  high: 'high',
  xhigh: 'xhigh',
  max: 'xhigh',
};

/** Built-in (hosted) tools: OpenAI runs them; no other upstream can (responses-api.md §2.4). */
const HOSTED_TOOL =
  /^(web_search|web_search_preview|file_search|code_interpreter|image_generation|mcp|computer|computer_use_preview|shell|local_shell|apply_patch|tool_search)/;

/**
 * A Responses request in the internal representation (for any other target format). `previous_response_id` has
 * already been expanded by the gateway (its own store), so `input` is the whole conversation.
 */
export function responsesRequestToIR(req: Json, ctx: TranslationContext): IRRequest {
  for (const field of ['background', 'conversation', 'prompt'] as const) {
    if (req[field] != null && req[field] !== false) {
      throw GatewayError.unsupported(
        field,
        `${field} is not supported ${ctx.onTarget} (it needs OpenAI's own servers)`,
      );
    }
  }
  const reader = new InputReader(ctx);
  if (typeof req.instructions === 'string' && req.instructions) {
    reader.system.push({ type: 'text', text: req.instructions, path: 'instructions' });
  }
  reader.read(req.input);
  const ir: IRRequest = {
    model: typeof req.model === 'string' ? req.model : '',
    system: reader.system,
    messages: reader.messages,
    tools: readTools(req.tools, ctx),
    sampling: {},
    stream: req.stream === true,
  };
  if (ir.messages.length === 0) throw GatewayError.invalid('input', "'input' must contain at least one message");
  const choice = readToolChoice(req.tool_choice, ctx);
  if (choice !== undefined) ir.toolChoice = choice;
  if (typeof req.parallel_tool_calls === 'boolean') ir.parallelToolCalls = req.parallel_tool_calls;
  if (typeof req.max_output_tokens === 'number') ir.maxOutputTokens = req.max_output_tokens;
  if (typeof req.temperature === 'number') ir.temperature = req.temperature;
  if (typeof req.top_p === 'number') ir.topP = req.top_p;
  if (typeof req.top_logprobs === 'number' && req.top_logprobs > 0) ir.sampling.topLogprobs = req.top_logprobs;
  const text = isRecord(req.text) ? req.text : undefined;
  const output = readTextFormat(text?.format, ctx);
  if (output) ir.output = output;
  if (typeof text?.verbosity === 'string') ir.verbosity = text.verbosity;
  const reasoning = isRecord(req.reasoning) ? req.reasoning : undefined;
  if (reasoning) {
    const effort = typeof reasoning.effort === 'string' ? EFFORTS[reasoning.effort] : undefined;
    const summary = typeof reasoning.summary === 'string' ? reasoning.summary : undefined;
    if (effort || summary) {
      ir.reasoning = { enabled: effort !== 'none', ...(effort ? { effort } : {}), ...(summary ? { summary } : {}) };
    }
  }
  const user = req.safety_identifier ?? req.user;
  if (typeof user === 'string' && user) ir.user = user;
  if (typeof req.prompt_cache_key === 'string') ir.promptCacheKey = req.prompt_cache_key;
  if (typeof req.service_tier === 'string') ir.serviceTier = req.service_tier;
  if (isRecord(req.metadata) && Object.keys(req.metadata).length > 0) ir.metadata = req.metadata;
  if (req.truncation === 'auto') ctx.drop('truncation', 'automatic truncation is an OpenAI server feature');
  if (req.context_management != null) ctx.drop('context_management', 'server-side compaction is an OpenAI feature');
  if (req.max_tool_calls != null) ctx.drop('max_tool_calls', 'no other API caps built-in tool calls');
  return ir;
}

/** Reads `input` (a string, or a list of items) into turns; consecutive assistant items form one turn. */
class InputReader {
  readonly system: IRText[] = [];
  readonly messages: IRMessage[] = [];

  constructor(private readonly ctx: TranslationContext) {}

  read(input: unknown): void {
    if (typeof input === 'string') {
      this.messages.push({ role: 'user', parts: [{ type: 'text', text: input, path: 'input' }] });
      return;
    }
    if (!Array.isArray(input))
      throw GatewayError.invalid('input', "'input' must be a string or an array of input items");
    input.forEach((item: unknown, i) => this.item(item, `input[${i}]`));
  }

  private item(item: unknown, path: string): void {
    if (!isRecord(item)) throw GatewayError.invalid(path, `${path} must be an object`);
    const type = item.type ?? (item.role !== undefined ? 'message' : undefined);
    switch (type) {
      case 'message':
        return this.message(item, path);
      case 'function_call':
      case 'custom_tool_call': {
        const custom = type === 'custom_tool_call';
        const callId = item.call_id;
        if (typeof callId !== 'string' || !callId)
          throw GatewayError.invalid(`${path}.call_id`, `${path}.call_id must be a non-empty string`);
        if (typeof item.name !== 'string' || !item.name)
          throw GatewayError.invalid(`${path}.name`, `${path}.name must be a non-empty string`);
        const args = custom ? item.input : item.arguments;
        if (args !== undefined && typeof args !== 'string') {
          throw GatewayError.invalid(
            `${path}.${custom ? 'input' : 'arguments'}`,
            `${path}.${custom ? 'input' : 'arguments'} must be a string`,
          );
        }
        const name =
          typeof item.namespace === 'string' && item.namespace ? flatToolName(item.namespace, item.name) : item.name;
        return this.assistant({
          type: 'tool_call',
          id: callId,
          name,
          arguments: args ?? '',
          custom,
          path: `${path}.${custom ? 'input' : 'arguments'}`,
        });
      }
      case 'function_call_output':
      case 'custom_tool_call_output':
        return this.toolOutput(item, path, type === 'custom_tool_call_output');
      case 'reasoning':
        return this.assistant(reasoningPart(item, path));
      case 'item_reference':
        throw GatewayError.unsupported(
          path,
          `item_reference is not supported ${this.ctx.onTarget} (it needs the items OpenAI stored; send the items themselves)`,
        );
      default:
        throw GatewayError.unsupported(
          `${path}.type`,
          `input item type ${describe(type)} is not supported ${this.ctx.onTarget}`,
        );
    }
  }

  private message(item: Json, path: string): void {
    const role = item.role;
    switch (role) {
      case 'user':
        this.messages.push({ role: 'user', parts: contentParts(item.content, path, this.ctx) });
        return;
      case 'assistant':
        for (const part of contentParts(item.content, path, this.ctx))
          if (part.type !== 'text' || part.text) this.assistant(part);
        return;
      case 'system':
      case 'developer': {
        const parts = contentParts(item.content, path, this.ctx);
        const texts = parts.filter((p): p is IRText => p.type === 'text');
        if (texts.length !== parts.length) {
          throw GatewayError.invalid(`${path}.content`, `${path}.content must be text in a ${role} message`);
        }
        // Instructions before the conversation starts are the leading system prompt; later ones stay in place.
        if (this.messages.length === 0) this.system.push(...texts);
        else this.messages.push({ role: 'system', systemRole: role, parts: texts });
        return;
      }
      default:
        throw GatewayError.invalid(
          `${path}.role`,
          `${path}.role must be one of 'user', 'assistant', 'system', 'developer' (got ${describe(role)})`,
        );
    }
  }

  private toolOutput(item: Json, path: string, custom: boolean): void {
    const callId = item.call_id;
    if (typeof callId !== 'string' || !callId)
      throw GatewayError.invalid(`${path}.call_id`, `${path}.call_id must be a non-empty string`);
    const { output } = item;
    let content: Array<IRText | IRImage | IRFile>;
    if (typeof output === 'string') content = [{ type: 'text', text: output, path: `${path}.output` }];
    else if (Array.isArray(output)) {
      content = contentParts(output, path, this.ctx, 'output').filter(
        (p): p is IRText | IRImage | IRFile => p.type === 'text' || p.type === 'image' || p.type === 'file',
      );
    } else throw GatewayError.invalid(`${path}.output`, `${path}.output must be a string or an array of content parts`);
    this.messages.push({
      role: 'tool',
      parts: [
        { type: 'tool_result', callId, content, plainText: typeof output === 'string', custom, path: `${path}.output` },
      ],
    });
  }

  /** Appends to the assistant turn in progress (or opens one): a message, its calls and reasoning are one turn. */
  private assistant(part: IRPart): void {
    const last = this.messages[this.messages.length - 1];
    if (last?.role === 'assistant') last.parts.push(part);
    else this.messages.push({ role: 'assistant', parts: [part] });
  }
}

function reasoningPart(item: Json, path: string): IRReasoning {
  const summary = Array.isArray(item.summary) ? item.summary : [];
  const texts = summary.map((s: unknown) => (isRecord(s) && typeof s.text === 'string' ? s.text : ''));
  const content = Array.isArray(item.content) ? item.content : [];
  for (const c of content) if (isRecord(c) && typeof c.text === 'string') texts.push(c.text);
  const encrypted = typeof item.encrypted_content === 'string' ? item.encrypted_content : undefined;
  const packed = encrypted ? unpackAnthropicThinking(encrypted) : null;
  if (packed) {
    return {
      type: 'reasoning',
      text: packed.thinking ?? texts.join('\n'),
      origin: 'anthropic',
      path,
      ...(packed.signature !== undefined ? { signature: packed.signature } : {}),
      ...(packed.data !== undefined ? { redactedData: packed.data } : {}),
    };
  }
  return {
    type: 'reasoning',
    text: texts.join('\n'),
    origin: 'openai',
    path,
    ...(encrypted ? { encrypted } : {}),
    ...(typeof item.id === 'string' ? { id: item.id } : {}),
  };
}

/** Message content (a string or parts) as internal parts. */
function contentParts(content: unknown, path: string, ctx: TranslationContext, key = 'content'): IRPart[] {
  if (typeof content === 'string') return [{ type: 'text', text: content, path: `${path}.${key}` }];
  if (!Array.isArray(content))
    throw GatewayError.invalid(`${path}.${key}`, `${path}.${key} must be a string or an array of content parts`);
  return content.map((part: unknown, j): IRPart => {
    const partPath = `${path}.${key}[${j}]`;
    if (!isRecord(part)) throw GatewayError.invalid(partPath, `${partPath} must be a content part object`);
    switch (part.type) {
      case 'input_text':
      case 'output_text':
      case 'text':
        if (typeof part.text !== 'string')
          throw GatewayError.invalid(`${partPath}.text`, `${partPath}.text must be a string`);
        return { type: 'text', text: part.text, path: partPath };
      case 'refusal':
        return { type: 'refusal', text: typeof part.refusal === 'string' ? part.refusal : '', path: partPath };
      case 'input_image': {
        const detail = typeof part.detail === 'string' ? { detail: part.detail } : {};
        if (typeof part.file_id === 'string') return { type: 'image', fileId: part.file_id, path: partPath, ...detail };
        if (typeof part.image_url !== 'string') {
          throw GatewayError.invalid(`${partPath}.image_url`, `${partPath}.image_url must be a URL or a data: URL`);
        }
        return {
          type: 'image',
          ...parseImageUrl(part.image_url, `${partPath}.image_url`),
          path: `${partPath}.image_url`,
          ...detail,
        };
      }
      case 'input_file': {
        const file: IRFile = { type: 'file', path: partPath };
        if (typeof part.filename === 'string') file.filename = part.filename;
        if (typeof part.file_id === 'string') file.fileId = part.file_id;
        if (typeof part.file_url === 'string') file.url = part.file_url;
        if (typeof part.file_data === 'string') Object.assign(file, parseFileData(part.file_data));
        if (file.fileId === undefined && file.url === undefined && file.data === undefined) {
          throw GatewayError.invalid(partPath, `${partPath} needs file_data, file_url or file_id`);
        }
        return file;
      }
      default:
        throw GatewayError.unsupported(
          partPath,
          `content part type ${describe(part.type)} is not supported ${ctx.onTarget}`,
        );
    }
  });
}

function readTools(tools: unknown, ctx: TranslationContext): IRTool[] {
  if (tools == null) return [];
  if (!Array.isArray(tools)) throw GatewayError.invalid('tools', "'tools' must be an array");
  const out: IRTool[] = [];
  tools.forEach((tool: unknown, i) => {
    const path = `tools[${i}]`;
    if (!isRecord(tool)) throw GatewayError.invalid(path, `${path} must be an object`);
    if (tool.type === 'function' || tool.type === 'custom') {
      out.push(functionTool(tool, path));
      return;
    }
    if (tool.type === 'namespace' && typeof tool.name === 'string' && Array.isArray(tool.tools)) {
      const namespace = tool.name;
      (tool.tools as unknown[]).forEach((inner, j) => {
        const innerPath = `${path}.tools[${j}]`;
        if (!isRecord(inner) || (inner.type !== 'function' && inner.type !== 'custom')) {
          throw GatewayError.unsupported(innerPath, `only function and custom tools can be namespaced ${ctx.onTarget}`);
        }
        const t = functionTool(inner, innerPath);
        out.push({ ...t, name: flatToolName(namespace, t.name) });
      });
      return;
    }
    // The model simply cannot use a hosted tool elsewhere; the caller learns it from x-lessllm-dropped.
    if (typeof tool.type === 'string' && HOSTED_TOOL.test(tool.type)) {
      ctx.drop(`${path} (${tool.type})`, `built-in tool ${describe(tool.type)} runs only on OpenAI`);
      return;
    }
    throw GatewayError.unsupported(
      `${path}.type`,
      `tool type ${describe(tool.type)} is not supported ${ctx.onTarget} (only 'function' and 'custom')`,
    );
  });
  return out;
}

function functionTool(tool: Json, path: string): IRTool {
  if (typeof tool.name !== 'string' || !tool.name)
    throw GatewayError.invalid(`${path}.name`, `${path}.name must be a non-empty string`);
  const t: IRTool = { name: tool.name, path };
  if (typeof tool.description === 'string') t.description = tool.description;
  if (tool.type === 'custom') t.custom = true;
  else {
    if (isRecord(tool.parameters)) t.parameters = tool.parameters;
    // Responses function tools are strict unless they say otherwise (responses-api.md §2.4 ⚠).
    if (tool.strict === true) t.strict = true;
  }
  return t;
}

function readToolChoice(choice: unknown, ctx: TranslationContext): IRToolChoice | undefined {
  if (choice == null) return undefined;
  if (choice === 'auto' || choice === 'required' || choice === 'none') return choice;
  if (isRecord(choice) && (choice.type === 'function' || choice.type === 'custom') && typeof choice.name === 'string') {
    return { name: choice.name };
  }
  throw GatewayError.unsupported(
    'tool_choice',
    `tool_choice ${describe(choice)} is not supported ${ctx.onTarget} (use 'auto', 'required', 'none' or a named function)`,
  );
}

function readTextFormat(format: unknown, ctx: TranslationContext): IROutputFormat | undefined {
  if (format == null) return undefined;
  if (!isRecord(format)) throw GatewayError.invalid('text.format', "'text.format' must be an object");
  switch (format.type) {
    case 'text':
      return undefined;
    case 'json_object':
      return { type: 'json_object' };
    case 'json_schema': {
      if (!isRecord(format.schema)) {
        throw GatewayError.invalid('text.format.schema', 'text.format.schema must be a JSON Schema object');
      }
      const out: IROutputFormat = { type: 'json_schema', schema: format.schema };
      if (typeof format.name === 'string') out.name = format.name;
      if (typeof format.strict === 'boolean') out.strict = format.strict;
      if (typeof format.description === 'string') out.description = format.description;
      return out;
    }
    default:
      throw GatewayError.unsupported(
        'text.format.type',
        `text.format type ${describe(format.type)} is not supported ${ctx.onTarget} (use 'text', 'json_object' or 'json_schema')`,
      );
  }
}
