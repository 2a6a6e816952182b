import {
  GatewayError,
  type AnthropicContentBlock,
  type AnthropicImageBlock,
  type AnthropicMessageParam,
  type AnthropicMessagesRequest,
  type AnthropicTextBlock,
  type AnthropicTool,
  type AnthropicToolChoice,
  type AnthropicToolResultBlock,
  type AnthropicToolUseBlock,
  type OpenAIChatRequest,
} from '@lessllm/shared';
import { describe, isRecord } from './guards';

const ON_ANTHROPIC = 'when the model is served by Anthropic';

/** Anthropic has no JSON mode: `response_format: json_object` is emulated with this system instruction. */
export const JSON_OBJECT_INSTRUCTION = 'Respond with a single valid JSON object and nothing else.';

const ANTHROPIC_IMAGE_MEDIA_TYPES = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp']);
const DEFAULT_INPUT_SCHEMA: Record<string, unknown> = { type: 'object', properties: {} };

type MediaBlock = AnthropicTextBlock | AnthropicImageBlock;

/** An OpenAI Chat Completions request as an Anthropic Messages request (providers.md §3.1). */
export function openaiRequestToAnthropic(
  req: OpenAIChatRequest,
  upstreamModel: string,
  defaultMaxTokens: number,
): AnthropicMessagesRequest {
  rejectUnmappableParams(req);
  const { systemParts, turns } = translateMessages(req.messages);
  if (req.response_format?.type === 'json_object') systemParts.push(JSON_OBJECT_INSTRUCTION);

  const out: AnthropicMessagesRequest = {
    model: upstreamModel,
    max_tokens: req.max_completion_tokens ?? req.max_tokens ?? defaultMaxTokens,
    messages: turns,
  };
  if (systemParts.length > 0) out.system = systemParts.join('\n');

  const tools = translateTools(req.tools);
  if (tools) out.tools = tools;
  const toolChoice = withParallelToolUse(translateToolChoice(req.tool_choice), req.parallel_tool_calls, !!tools);
  if (toolChoice) out.tool_choice = toolChoice;

  if (typeof req.temperature === 'number') out.temperature = Math.min(req.temperature, 1);
  if (typeof req.top_p === 'number') out.top_p = req.top_p;
  const stop = stopSequences(req.stop);
  if (stop) out.stop_sequences = stop;
  const userId = req.safety_identifier ?? req.user;
  if (typeof userId === 'string' && userId) out.metadata = { user_id: userId };
  const outputConfig = translateResponseFormat(req.response_format);
  if (outputConfig) out.output_config = outputConfig;
  if (typeof req.stream === 'boolean') out.stream = req.stream;
  // Dropped on purpose: seed, store, stream_options (Anthropic streams always carry usage), service_tier,
  // prompt_cache_key, metadata (Anthropic only takes user_id), reasoning_effort (no agreed thinking budget), etc.
  return out;
}

function rejectUnmappableParams(req: OpenAIChatRequest): void {
  if (req.n != null && req.n !== 1) {
    throw GatewayError.unsupported('n', `n=${req.n} is not supported ${ON_ANTHROPIC} (only n=1)`);
  }
  if (req.logprobs === true) {
    throw GatewayError.unsupported(
      'logprobs',
      `logprobs=true is not supported ${ON_ANTHROPIC} (Anthropic returns no log probabilities)`,
    );
  }
  if (req.top_logprobs != null && req.top_logprobs !== 0) {
    throw GatewayError.unsupported(
      'top_logprobs',
      `top_logprobs is not supported ${ON_ANTHROPIC} (Anthropic returns no log probabilities)`,
    );
  }
  if (isRecord(req.logit_bias) && Object.keys(req.logit_bias).length > 0) {
    throw GatewayError.unsupported(
      'logit_bias',
      `logit_bias is not supported ${ON_ANTHROPIC} (Anthropic has no token biasing)`,
    );
  }
  for (const param of ['presence_penalty', 'frequency_penalty'] as const) {
    const value = req[param];
    if (value != null && value !== 0) {
      throw GatewayError.unsupported(
        param,
        `${param}=${describe(value)} is not supported ${ON_ANTHROPIC} (Anthropic has no penalties; only 0 is accepted)`,
      );
    }
  }
  if (req.audio != null) {
    throw GatewayError.unsupported(
      'audio',
      `audio output is not supported ${ON_ANTHROPIC} (Anthropic only returns text)`,
    );
  }
  if (Array.isArray(req.modalities) && req.modalities.includes('audio')) {
    throw GatewayError.unsupported(
      'modalities',
      `modalities including 'audio' are not supported ${ON_ANTHROPIC} (Anthropic only returns text)`,
    );
  }
  // The deprecated function-calling API: dropping it would silently hide the functions from the model.
  for (const param of ['functions', 'function_call'] as const) {
    if (req[param] != null) {
      throw GatewayError.unsupported(
        param,
        `${param} (deprecated) is not supported ${ON_ANTHROPIC}; use tools and tool_choice`,
      );
    }
  }
  if (req.web_search_options != null) {
    throw GatewayError.unsupported('web_search_options', `web_search_options is not supported ${ON_ANTHROPIC}`);
  }
}

function translateMessages(messages: unknown): { systemParts: string[]; turns: AnthropicMessageParam[] } {
  if (!Array.isArray(messages) || messages.length === 0) {
    throw GatewayError.invalid('messages', "'messages' must be a non-empty array");
  }
  const systemParts: string[] = [];
  const turns: AnthropicMessageParam[] = [];
  messages.forEach((msg: unknown, i) => {
    const path = `messages[${i}]`;
    if (!isRecord(msg)) throw GatewayError.invalid(path, `${path} must be an object`);
    switch (msg.role) {
      case 'system':
      case 'developer': {
        // Anthropic has one leading system prompt: every system/developer message is hoisted into it.
        const text = systemText(msg.content, path);
        if (text) systemParts.push(text);
        return;
      }
      case 'user':
        appendTurn(turns, { role: 'user', content: userContent(msg.content, path) });
        return;
      case 'assistant': {
        const blocks = assistantBlocks(msg, path);
        if (blocks.length > 0) appendTurn(turns, { role: 'assistant', content: blocks });
        return;
      }
      case 'tool':
        appendTurn(turns, { role: 'user', content: [toolResultBlock(msg, path)] });
        return;
      case 'function':
        throw GatewayError.unsupported(
          `${path}.role`,
          `role 'function' (deprecated) is not supported ${ON_ANTHROPIC}; use role 'tool'`,
        );
      default:
        throw GatewayError.invalid(
          `${path}.role`,
          `${path}.role must be one of 'system', 'developer', 'user', 'assistant', 'tool' (got ${describe(msg.role)})`,
        );
    }
  });
  if (turns.length === 0) {
    throw GatewayError.invalid('messages', "'messages' must contain at least one user, assistant or tool message");
  }
  return { systemParts, turns };
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

function asBlocks(content: string | AnthropicContentBlock[]): AnthropicContentBlock[] {
  return typeof content === 'string' ? [{ type: 'text', text: content }] : content;
}

/** Anthropic requires the tool_result blocks to open the user turn that answers a tool_use. */
function toolResultsFirst(blocks: AnthropicContentBlock[]): AnthropicContentBlock[] {
  return [...blocks.filter((b) => b.type === 'tool_result'), ...blocks.filter((b) => b.type !== 'tool_result')];
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

function userContent(content: unknown, path: string): string | AnthropicContentBlock[] {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content) || content.length === 0) {
    throw GatewayError.invalid(
      `${path}.content`,
      `${path}.content must be a string or a non-empty array of content parts`,
    );
  }
  return content.map((part: unknown, j) => contentPartToBlock(part, `${path}.content[${j}]`));
}

function contentPartToBlock(part: unknown, path: string): MediaBlock {
  if (!isRecord(part)) throw GatewayError.invalid(path, `${path} must be a content part object`);
  switch (part.type) {
    case 'text':
      if (typeof part.text !== 'string') throw GatewayError.invalid(`${path}.text`, `${path}.text must be a string`);
      return { type: 'text', text: part.text };
    case 'refusal': // a refusal the assistant gave earlier: plain text to Anthropic
      return { type: 'text', text: typeof part.refusal === 'string' ? part.refusal : '' };
    case 'image_url':
      return imageBlock(part.image_url, `${path}.image_url`);
    case 'input_audio':
      throw GatewayError.unsupported(
        path,
        `content part type 'input_audio' is not supported ${ON_ANTHROPIC} (Anthropic has no audio input)`,
      );
    case 'file':
      throw GatewayError.unsupported(
        path,
        `content part type 'file' is not supported ${ON_ANTHROPIC} (files are not translated to Anthropic documents)`,
      );
    default:
      throw GatewayError.unsupported(path, `content part type ${describe(part.type)} is not supported ${ON_ANTHROPIC}`);
  }
}

function imageBlock(imageUrl: unknown, path: string): AnthropicImageBlock {
  const url = isRecord(imageUrl) ? imageUrl.url : undefined;
  if (typeof url !== 'string') throw GatewayError.invalid(`${path}.url`, `${path}.url must be a string`);
  if (/^https?:\/\//i.test(url)) return { type: 'image', source: { type: 'url', url } };
  const dataUrl = /^data:([^;,]+);base64,(.*)$/s.exec(url);
  if (!dataUrl) {
    throw GatewayError.invalid(`${path}.url`, `${path}.url must be an http(s) URL or a data:<mime>;base64,<data> URL`);
  }
  const mediaType = dataUrl[1].toLowerCase();
  if (!ANTHROPIC_IMAGE_MEDIA_TYPES.has(mediaType)) {
    throw GatewayError.unsupported(
      `${path}.url`,
      `image type '${mediaType}' is not supported ${ON_ANTHROPIC} (only image/jpeg, image/png, image/gif, image/webp)`,
    );
  }
  return { type: 'image', source: { type: 'base64', media_type: mediaType, data: dataUrl[2] } };
}

function assistantBlocks(msg: Record<string, unknown>, path: string): AnthropicContentBlock[] {
  const { content } = msg;
  let blocks: AnthropicContentBlock[] = [];
  if (typeof content === 'string') blocks.push({ type: 'text', text: content });
  else if (Array.isArray(content))
    blocks = content.map((part: unknown, j) => contentPartToBlock(part, `${path}.content[${j}]`));
  else if (content != null)
    throw GatewayError.invalid(`${path}.content`, `${path}.content must be a string, an array or null`);
  // Anthropic rejects empty text blocks, and OpenAI clients send content "" next to tool_calls.
  blocks = blocks.filter((b) => b.type !== 'text' || (b as AnthropicTextBlock).text !== '');
  if (blocks.length === 0 && typeof msg.refusal === 'string' && msg.refusal)
    blocks.push({ type: 'text', text: msg.refusal });

  const toolCalls = msg.tool_calls;
  if (toolCalls == null) return blocks;
  if (!Array.isArray(toolCalls))
    throw GatewayError.invalid(`${path}.tool_calls`, `${path}.tool_calls must be an array`);
  return [...blocks, ...toolCalls.map((call: unknown, j) => toolUseBlock(call, `${path}.tool_calls[${j}]`))];
}

function toolUseBlock(call: unknown, path: string): AnthropicToolUseBlock {
  if (!isRecord(call) || !isRecord(call.function)) {
    throw GatewayError.invalid(path, `${path} must be {id, type: 'function', function: {name, arguments}}`);
  }
  if (call.type !== undefined && call.type !== 'function') {
    throw GatewayError.unsupported(
      `${path}.type`,
      `tool call type ${describe(call.type)} is not supported ${ON_ANTHROPIC} (only 'function')`,
    );
  }
  if (typeof call.id !== 'string' || !call.id)
    throw GatewayError.invalid(`${path}.id`, `${path}.id must be a non-empty string`);
  const { name } = call.function;
  if (typeof name !== 'string' || !name) {
    throw GatewayError.invalid(`${path}.function.name`, `${path}.function.name must be a non-empty string`);
  }
  return {
    type: 'tool_use',
    id: call.id,
    name,
    input: parseToolArguments(call.function.arguments, `${path}.function.arguments`),
  };
}

function parseToolArguments(args: unknown, path: string): Record<string, unknown> {
  if (args === undefined || (typeof args === 'string' && args.trim() === '')) return {}; // a call without arguments
  if (typeof args !== 'string') throw GatewayError.invalid(path, `${path} must be a JSON string`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(args);
  } catch {
    throw GatewayError.invalid(path, `${path} is not valid JSON, so it cannot be sent to Anthropic as tool input`);
  }
  if (!isRecord(parsed)) throw GatewayError.invalid(path, `${path} must encode a JSON object`);
  return parsed;
}

function toolResultBlock(msg: Record<string, unknown>, path: string): AnthropicToolResultBlock {
  if (typeof msg.tool_call_id !== 'string' || !msg.tool_call_id) {
    throw GatewayError.invalid(`${path}.tool_call_id`, `${path}.tool_call_id must be a non-empty string`);
  }
  const block: AnthropicToolResultBlock = { type: 'tool_result', tool_use_id: msg.tool_call_id };
  const { content } = msg;
  if (typeof content === 'string') block.content = content;
  else if (Array.isArray(content))
    block.content = content.map((part: unknown, j) => contentPartToBlock(part, `${path}.content[${j}]`));
  else if (content != null)
    throw GatewayError.invalid(`${path}.content`, `${path}.content must be a string or an array of text parts`);
  return block;
}

function translateTools(tools: unknown): AnthropicTool[] | undefined {
  if (tools == null) return undefined;
  if (!Array.isArray(tools)) throw GatewayError.invalid('tools', "'tools' must be an array");
  if (tools.length === 0) return undefined;
  return tools.map((tool: unknown, i) => {
    const path = `tools[${i}]`;
    if (!isRecord(tool)) throw GatewayError.invalid(path, `${path} must be an object`);
    if (tool.type !== 'function') {
      throw GatewayError.unsupported(
        `${path}.type`,
        `tool type ${describe(tool.type)} is not supported ${ON_ANTHROPIC} (only 'function')`,
      );
    }
    const fn = tool.function;
    if (!isRecord(fn) || typeof fn.name !== 'string' || !fn.name) {
      throw GatewayError.invalid(`${path}.function.name`, `${path}.function.name must be a non-empty string`);
    }
    const hasSchema = isRecord(fn.parameters) && Object.keys(fn.parameters).length > 0;
    const out: AnthropicTool = {
      name: fn.name,
      input_schema: hasSchema ? (fn.parameters as Record<string, unknown>) : DEFAULT_INPUT_SCHEMA,
    };
    if (typeof fn.description === 'string') out.description = fn.description;
    if (fn.strict === true) out.strict = true;
    return out;
  });
}

function translateToolChoice(choice: unknown): AnthropicToolChoice | undefined {
  if (choice == null) return undefined;
  if (choice === 'auto') return { type: 'auto' };
  if (choice === 'required') return { type: 'any' };
  if (choice === 'none') return { type: 'none' };
  if (
    isRecord(choice) &&
    choice.type === 'function' &&
    isRecord(choice.function) &&
    typeof choice.function.name === 'string'
  ) {
    return { type: 'tool', name: choice.function.name };
  }
  throw GatewayError.unsupported(
    'tool_choice',
    `tool_choice ${describe(choice)} is not supported ${ON_ANTHROPIC} (use 'auto', 'required', 'none' or a named function)`,
  );
}

/** `parallel_tool_calls: false` lives on Anthropic's tool_choice, which defaults to auto when the caller sent none. */
function withParallelToolUse(
  choice: AnthropicToolChoice | undefined,
  parallelToolCalls: unknown,
  hasTools: boolean,
): AnthropicToolChoice | undefined {
  if (parallelToolCalls !== false || !hasTools) return choice;
  const base: AnthropicToolChoice = choice ?? { type: 'auto' };
  // tool_choice none cannot carry the flag, and no tool will be called anyway.
  if (base.type === 'none') return base;
  return { ...base, disable_parallel_tool_use: true };
}

function stopSequences(stop: unknown): string[] | undefined {
  if (stop == null || stop === '') return undefined;
  if (typeof stop === 'string') return [stop];
  if (Array.isArray(stop) && stop.every((s): s is string => typeof s === 'string'))
    return stop.length > 0 ? stop : undefined;
  throw GatewayError.invalid('stop', "'stop' must be a string or an array of strings");
}

function translateResponseFormat(format: unknown): AnthropicMessagesRequest['output_config'] {
  if (format == null) return undefined;
  if (!isRecord(format)) throw GatewayError.invalid('response_format', "'response_format' must be an object");
  switch (format.type) {
    case 'text':
    case 'json_object': // emulated through the system prompt
      return undefined;
    case 'json_schema': {
      const schema = isRecord(format.json_schema) ? format.json_schema.schema : undefined;
      if (!isRecord(schema)) {
        throw GatewayError.invalid(
          'response_format.json_schema.schema',
          'response_format.json_schema.schema must be a JSON Schema object',
        );
      }
      return { format: { type: 'json_schema', schema } };
    }
    default:
      throw GatewayError.unsupported(
        'response_format.type',
        `response_format type ${describe(format.type)} is not supported ${ON_ANTHROPIC} (use 'text', 'json_object' or 'json_schema')`,
      );
  }
}
