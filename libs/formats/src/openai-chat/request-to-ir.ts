import { GatewayError } from '@lessllm/shared';
import { describe, isRecord } from '../common/guards';
import { parseFileData, parseImageUrl } from '../common/media';
import type {
  IRFile,
  IRImage,
  IRMessage,
  IROutputFormat,
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

const EFFORTS = new Set<string>(['none', 'minimal', 'low', 'medium', 'high', 'xhigh']);

/** A Chat Completions request in the internal representation (for any other target format). */
export function chatRequestToIR(req: Json, ctx: TranslationContext): IRRequest {
  rejectUnmappable(req, ctx);
  const { system, messages } = readMessages(req.messages, ctx);
  const ir: IRRequest = {
    model: typeof req.model === 'string' ? req.model : '',
    system,
    messages,
    tools: readTools(req.tools, ctx),
    sampling: {},
    stream: req.stream === true,
  };
  const toolChoice = readToolChoice(req.tool_choice, ctx);
  if (toolChoice !== undefined) ir.toolChoice = toolChoice;
  if (typeof req.parallel_tool_calls === 'boolean') ir.parallelToolCalls = req.parallel_tool_calls;
  const max = numberOrUndefined(req.max_completion_tokens) ?? numberOrUndefined(req.max_tokens);
  if (max !== undefined) ir.maxOutputTokens = max;
  if (typeof req.temperature === 'number') ir.temperature = req.temperature;
  if (typeof req.top_p === 'number') ir.topP = req.top_p;
  const stop = readStop(req.stop);
  if (stop) ir.stop = stop;
  const output = readResponseFormat(req.response_format, ctx);
  if (output) ir.output = output;
  const reasoning = readReasoning(req.reasoning_effort);
  if (reasoning) ir.reasoning = reasoning;
  const user = req.safety_identifier ?? req.user;
  if (typeof user === 'string' && user) ir.user = user;
  if (typeof req.prompt_cache_key === 'string') ir.promptCacheKey = req.prompt_cache_key;
  if (typeof req.verbosity === 'string') ir.verbosity = req.verbosity;
  if (typeof req.service_tier === 'string') ir.serviceTier = req.service_tier;
  if (isRecord(req.metadata) && Object.keys(req.metadata).length > 0) ir.metadata = req.metadata;
  readSampling(req, ir);
  // Chat's `store` keeps completions for OpenAI's evals; no other API means the same by it.
  if (req.store === true) ctx.drop('store', 'stored completions are an OpenAI Chat Completions feature');
  if (req.prediction != null) ctx.drop('prediction', 'predicted outputs only speed up OpenAI chat models');
  return ir;
}

const numberOrUndefined = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

function rejectUnmappable(req: Json, ctx: TranslationContext): void {
  if (req.audio != null) {
    throw ctx.unsupported('audio', 'audio output is not supported');
  }
  if (Array.isArray(req.modalities) && req.modalities.includes('audio')) {
    throw ctx.unsupported('modalities', "modalities including 'audio' are not supported");
  }
  // The deprecated function-calling API: dropping it would silently hide the functions from the model.
  for (const param of ['functions', 'function_call'] as const) {
    if (req[param] != null) {
      throw GatewayError.unsupported(
        param,
        `${param} (deprecated) is not supported ${ctx.onTarget}; use tools and tool_choice`,
      );
    }
  }
  if (req.web_search_options != null) {
    throw ctx.unsupported('web_search_options', 'web_search_options is not supported');
  }
}

function readSampling(req: Json, ir: IRRequest): void {
  const s = ir.sampling;
  if (typeof req.n === 'number') s.n = req.n;
  if (typeof req.logprobs === 'boolean') s.logprobs = req.logprobs;
  if (typeof req.top_logprobs === 'number') s.topLogprobs = req.top_logprobs;
  if (typeof req.presence_penalty === 'number') s.presencePenalty = req.presence_penalty;
  if (typeof req.frequency_penalty === 'number') s.frequencyPenalty = req.frequency_penalty;
  if (isRecord(req.logit_bias)) s.logitBias = req.logit_bias;
  if (typeof req.seed === 'number') s.seed = req.seed;
}

function readReasoning(effort: unknown): IRReasoningConfig | undefined {
  if (typeof effort !== 'string' || !EFFORTS.has(effort)) return undefined;
  return { enabled: effort !== 'none', effort: effort as ReasoningEffort };
}

function readMessages(messages: unknown, ctx: TranslationContext): { system: IRText[]; messages: IRMessage[] } {
  if (!Array.isArray(messages) || messages.length === 0) {
    throw GatewayError.invalid('messages', "'messages' must be a non-empty array");
  }
  const system: IRText[] = [];
  const out: IRMessage[] = [];
  messages.forEach((msg: unknown, i) => {
    const path = `messages[${i}]`;
    if (!isRecord(msg)) throw GatewayError.invalid(path, `${path} must be an object`);
    switch (msg.role) {
      case 'system':
      case 'developer': {
        const text = systemText(msg.content, path);
        const systemRole = msg.role;
        // Instructions before the conversation starts are the leading system prompt; later ones stay in place.
        if (out.length === 0) {
          if (text) system.push({ type: 'text', text, path: `${path}.content` });
        } else if (text) {
          out.push({ role: 'system', systemRole, parts: [{ type: 'text', text, path: `${path}.content` }] });
        }
        return;
      }
      case 'user':
        out.push({ role: 'user', parts: userParts(msg.content, path, ctx) });
        return;
      case 'assistant': {
        const parts = assistantParts(msg, path, ctx);
        if (parts.length > 0) out.push({ role: 'assistant', parts });
        return;
      }
      case 'tool':
        out.push({ role: 'tool', parts: [toolResult(msg, path, ctx)] });
        return;
      case 'function':
        throw GatewayError.unsupported(
          `${path}.role`,
          `role 'function' (deprecated) is not supported ${ctx.onTarget}; use role 'tool'`,
        );
      default:
        throw GatewayError.invalid(
          `${path}.role`,
          `${path}.role must be one of 'system', 'developer', 'user', 'assistant', 'tool' (got ${describe(msg.role)})`,
        );
    }
  });
  if (out.length === 0) {
    throw GatewayError.invalid('messages', "'messages' must contain at least one user, assistant or tool message");
  }
  return { system, messages: out };
}

function systemText(content: unknown, path: string): string {
  if (content == null) return '';
  if (typeof content === 'string') return content;
  if (!Array.isArray(content))
    throw GatewayError.invalid(`${path}.content`, `${path}.content must be a string or an array of text parts`);
  return content
    .map((part: unknown, j) => {
      if (isRecord(part) && part.type === 'text' && typeof part.text === 'string') return part.text;
      throw GatewayError.invalid(
        `${path}.content[${j}]`,
        `${path}.content[${j}] must be a text part in a system message`,
      );
    })
    .join('\n');
}

function userParts(content: unknown, path: string, ctx: TranslationContext): IRPart[] {
  if (typeof content === 'string') return [{ type: 'text', text: content, path: `${path}.content` }];
  if (!Array.isArray(content) || content.length === 0) {
    throw GatewayError.invalid(
      `${path}.content`,
      `${path}.content must be a string or a non-empty array of content parts`,
    );
  }
  return content.map((part: unknown, j) => contentPart(part, `${path}.content[${j}]`, ctx));
}

function contentPart(part: unknown, path: string, ctx: TranslationContext): IRText | IRImage | IRFile {
  if (!isRecord(part)) throw GatewayError.invalid(path, `${path} must be a content part object`);
  switch (part.type) {
    case 'text':
      if (typeof part.text !== 'string') throw GatewayError.invalid(`${path}.text`, `${path}.text must be a string`);
      return { type: 'text', text: part.text, path };
    case 'refusal': // a refusal the assistant gave earlier: plain text elsewhere
      return { type: 'text', text: typeof part.refusal === 'string' ? part.refusal : '', path };
    case 'image_url': {
      const image = isRecord(part.image_url) ? part.image_url : undefined;
      const url = image?.url;
      if (typeof url !== 'string')
        throw GatewayError.invalid(`${path}.image_url.url`, `${path}.image_url.url must be a string`);
      const parsed = parseImageUrl(url, `${path}.image_url.url`);
      const detail = typeof image?.detail === 'string' ? { detail: image.detail } : {};
      return { type: 'image', ...parsed, ...detail, path: `${path}.image_url.url` };
    }
    case 'file': {
      const file = isRecord(part.file) ? part.file : {};
      const out: IRFile = { type: 'file', path };
      if (typeof file.file_id === 'string') out.fileId = file.file_id;
      if (typeof file.filename === 'string') out.filename = file.filename;
      if (typeof file.file_data === 'string') Object.assign(out, parseFileData(file.file_data));
      if (out.fileId === undefined && out.data === undefined) {
        throw GatewayError.invalid(`${path}.file`, `${path}.file needs file_data or file_id`);
      }
      return out;
    }
    default:
      throw GatewayError.unsupported(path, `content part type ${describe(part.type)} is not supported ${ctx.onTarget}`);
  }
}

function assistantParts(msg: Json, path: string, ctx: TranslationContext): IRPart[] {
  const { content } = msg;
  let parts: IRPart[] = [];
  if (typeof content === 'string') parts.push({ type: 'text', text: content, path: `${path}.content` });
  else if (Array.isArray(content))
    parts = content.map((part: unknown, j) => contentPart(part, `${path}.content[${j}]`, ctx));
  else if (content != null)
    throw GatewayError.invalid(`${path}.content`, `${path}.content must be a string, an array or null`);
  // OpenAI clients send content "" next to tool_calls; other formats reject empty text blocks.
  parts = parts.filter((p) => p.type !== 'text' || p.text !== '');
  if (parts.length === 0 && typeof msg.refusal === 'string' && msg.refusal)
    parts.push({ type: 'text', text: msg.refusal, path: `${path}.refusal` });
  if (typeof msg.reasoning_content === 'string' && msg.reasoning_content) {
    parts.unshift({
      type: 'reasoning',
      text: msg.reasoning_content,
      origin: 'other',
      path: `${path}.reasoning_content`,
    });
  }
  const toolCalls = msg.tool_calls;
  if (toolCalls == null) return parts;
  if (!Array.isArray(toolCalls))
    throw GatewayError.invalid(`${path}.tool_calls`, `${path}.tool_calls must be an array`);
  toolCalls.forEach((call: unknown, j) => parts.push(toolCall(call, `${path}.tool_calls[${j}]`, ctx)));
  return parts;
}

function toolCall(call: unknown, path: string, ctx: TranslationContext): IRPart {
  if (!isRecord(call))
    throw GatewayError.invalid(path, `${path} must be {id, type: 'function', function: {name, arguments}}`);
  if (typeof call.id !== 'string' || !call.id)
    throw GatewayError.invalid(`${path}.id`, `${path}.id must be a non-empty string`);
  if (call.type === 'custom' && isRecord(call.custom)) {
    const name = call.custom.name;
    if (typeof name !== 'string' || !name)
      throw GatewayError.invalid(`${path}.custom.name`, `${path}.custom.name must be a non-empty string`);
    const input = typeof call.custom.input === 'string' ? call.custom.input : '';
    return { type: 'tool_call', id: call.id, name, arguments: input, custom: true, path: `${path}.custom.input` };
  }
  if (!isRecord(call.function)) {
    throw GatewayError.invalid(path, `${path} must be {id, type: 'function', function: {name, arguments}}`);
  }
  if (call.type !== undefined && call.type !== 'function') {
    throw GatewayError.unsupported(
      `${path}.type`,
      `tool call type ${describe(call.type)} is not supported ${ctx.onTarget} (only 'function' and 'custom')`,
    );
  }
  const { name } = call.function;
  if (typeof name !== 'string' || !name) {
    throw GatewayError.invalid(`${path}.function.name`, `${path}.function.name must be a non-empty string`);
  }
  const args = call.function.arguments;
  if (args !== undefined && typeof args !== 'string') {
    throw GatewayError.invalid(`${path}.function.arguments`, `${path}.function.arguments must be a JSON string`);
  }
  return { type: 'tool_call', id: call.id, name, arguments: args ?? '', path: `${path}.function.arguments` };
}

function toolResult(msg: Json, path: string, ctx: TranslationContext): IRPart {
  if (typeof msg.tool_call_id !== 'string' || !msg.tool_call_id) {
    throw GatewayError.invalid(`${path}.tool_call_id`, `${path}.tool_call_id must be a non-empty string`);
  }
  const { content } = msg;
  let parts: Array<IRText | IRImage | IRFile> = [];
  if (typeof content === 'string') parts = [{ type: 'text', text: content, path: `${path}.content` }];
  else if (Array.isArray(content))
    parts = content.map((part: unknown, j) => contentPart(part, `${path}.content[${j}]`, ctx));
  else if (content != null)
    throw GatewayError.invalid(`${path}.content`, `${path}.content must be a string or an array of text parts`);
  return {
    type: 'tool_result',
    callId: msg.tool_call_id,
    content: parts,
    plainText: typeof content === 'string',
    path: `${path}.content`,
  };
}

function readTools(tools: unknown, ctx: TranslationContext): IRTool[] {
  if (tools == null) return [];
  if (!Array.isArray(tools)) throw GatewayError.invalid('tools', "'tools' must be an array");
  return tools.map((tool: unknown, i) => {
    const path = `tools[${i}]`;
    if (!isRecord(tool)) throw GatewayError.invalid(path, `${path} must be an object`);
    if (tool.type === 'custom' && isRecord(tool.custom)) {
      const { name, description } = tool.custom;
      if (typeof name !== 'string' || !name)
        throw GatewayError.invalid(`${path}.custom.name`, `${path}.custom.name must be a non-empty string`);
      return { name, custom: true, path, ...(typeof description === 'string' ? { description } : {}) };
    }
    if (tool.type !== 'function') {
      throw GatewayError.unsupported(
        `${path}.type`,
        `tool type ${describe(tool.type)} is not supported ${ctx.onTarget} (only 'function' and 'custom')`,
      );
    }
    const fn = tool.function;
    if (!isRecord(fn) || typeof fn.name !== 'string' || !fn.name) {
      throw GatewayError.invalid(`${path}.function.name`, `${path}.function.name must be a non-empty string`);
    }
    const out: IRTool = { name: fn.name, path };
    if (typeof fn.description === 'string') out.description = fn.description;
    if (isRecord(fn.parameters)) out.parameters = fn.parameters;
    if (fn.strict === true) out.strict = true;
    return out;
  });
}

function readToolChoice(choice: unknown, ctx: TranslationContext): IRToolChoice | undefined {
  if (choice == null) return undefined;
  if (choice === 'auto' || choice === 'required' || choice === 'none') return choice;
  if (isRecord(choice)) {
    if (choice.type === 'function' && isRecord(choice.function) && typeof choice.function.name === 'string') {
      return { name: choice.function.name };
    }
    if (choice.type === 'custom' && isRecord(choice.custom) && typeof choice.custom.name === 'string') {
      return { name: choice.custom.name };
    }
  }
  throw GatewayError.unsupported(
    'tool_choice',
    `tool_choice ${describe(choice)} is not supported ${ctx.onTarget} (use 'auto', 'required', 'none' or a named function)`,
  );
}

function readStop(stop: unknown): string[] | undefined {
  if (stop == null || stop === '') return undefined;
  if (typeof stop === 'string') return [stop];
  if (Array.isArray(stop) && stop.every((s): s is string => typeof s === 'string'))
    return stop.length > 0 ? stop : undefined;
  throw GatewayError.invalid('stop', "'stop' must be a string or an array of strings");
}

function readResponseFormat(format: unknown, ctx: TranslationContext): IROutputFormat | undefined {
  if (format == null) return undefined;
  if (!isRecord(format)) throw GatewayError.invalid('response_format', "'response_format' must be an object");
  switch (format.type) {
    case 'text':
      return undefined;
    case 'json_object':
      return { type: 'json_object' };
    case 'json_schema': {
      const spec = isRecord(format.json_schema) ? format.json_schema : undefined;
      if (!isRecord(spec?.schema)) {
        throw GatewayError.invalid(
          'response_format.json_schema.schema',
          'response_format.json_schema.schema must be a JSON Schema object',
        );
      }
      const out: IROutputFormat = { type: 'json_schema', schema: spec.schema };
      if (typeof spec.name === 'string') out.name = spec.name;
      if (typeof spec.strict === 'boolean') out.strict = spec.strict;
      if (typeof spec.description === 'string') out.description = spec.description;
      return out;
    }
    default:
      throw GatewayError.unsupported(
        'response_format.type',
        `response_format type ${describe(format.type)} is not supported ${ctx.onTarget} (use 'text', 'json_object' or 'json_schema')`,
      );
  }
}
