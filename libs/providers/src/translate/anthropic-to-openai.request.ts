import {
  GatewayError,
  type AnthropicMessagesRequest,
  type OpenAIChatRequest,
  type OpenAIContentPart,
  type OpenAIImagePart,
  type OpenAIMessage,
  type OpenAITool,
  type OpenAIToolCall,
  type OpenAIToolChoice,
} from '@lessllm/shared';
import { describe, isRecord } from './guards';

const ON_OPENAI = 'when the model is served by an OpenAI-compatible upstream';

/** Reasoning models reject `max_tokens` and want `max_completion_tokens` (providers.md §1.2). */
const MAX_COMPLETION_TOKENS_MODEL = /^(o\d|gpt-5)/;

/**
 * An Anthropic Messages request as an OpenAI Chat Completions request (providers.md §3.1, read right to left).
 * `cache_control` markers are dropped everywhere: OpenAI caches prompt prefixes automatically.
 */
export function anthropicRequestToOpenAI(req: AnthropicMessagesRequest, upstreamModel: string): OpenAIChatRequest {
  rejectUnmappableParams(req);
  const messages: OpenAIMessage[] = [];
  const system = systemPrompt(req.system);
  if (system) messages.push({ role: 'system', content: system });
  messages.push(...translateMessages(req.messages));

  const out: OpenAIChatRequest = { model: upstreamModel, messages };
  if (typeof req.max_tokens !== 'number' || !Number.isInteger(req.max_tokens) || req.max_tokens < 1) {
    throw GatewayError.invalid('max_tokens', "'max_tokens' is required and must be a positive integer");
  }
  if (MAX_COMPLETION_TOKENS_MODEL.test(upstreamModel)) out.max_completion_tokens = req.max_tokens;
  else out.max_tokens = req.max_tokens;

  const tools = translateTools(req.tools);
  if (tools) {
    out.tools = tools;
    // OpenAI rejects tool_choice and parallel_tool_calls without tools, so they are only sent along with tools.
    Object.assign(out, translateToolChoice(req.tool_choice));
  }
  if (typeof req.temperature === 'number') out.temperature = req.temperature;
  if (typeof req.top_p === 'number') out.top_p = req.top_p;
  if (Array.isArray(req.stop_sequences) && req.stop_sequences.length > 0) out.stop = req.stop_sequences;
  if (typeof req.metadata?.user_id === 'string' && req.metadata.user_id) out.user = req.metadata.user_id;
  const responseFormat = translateOutputFormat(req.output_config?.format);
  if (responseFormat) out.response_format = responseFormat;
  if (typeof req.stream === 'boolean') out.stream = req.stream;
  // Anthropic streams always end with usage; OpenAI only sends it when asked.
  if (req.stream === true) out.stream_options = { include_usage: true };
  return out;
}

function rejectUnmappableParams(req: AnthropicMessagesRequest): void {
  if (req.top_k != null) {
    throw GatewayError.unsupported('top_k', `top_k is not supported ${ON_OPENAI} (OpenAI has no top-k sampling)`);
  }
  if (req.thinking != null && req.thinking.type !== 'disabled') {
    throw GatewayError.unsupported(
      'thinking',
      `thinking type ${describe(req.thinking.type)} is not supported ${ON_OPENAI} (there is no portable thinking budget)`,
    );
  }
}

function systemPrompt(system: unknown): string {
  if (system == null) return '';
  if (typeof system === 'string') return system;
  if (!Array.isArray(system))
    throw GatewayError.invalid('system', "'system' must be a string or an array of text blocks");
  return system
    .map((block: unknown, i) => {
      if (isRecord(block) && block.type === 'text' && typeof block.text === 'string') return block.text;
      throw GatewayError.invalid(`system[${i}]`, `system[${i}] must be a text block`);
    })
    .join('\n');
}

function translateMessages(messages: unknown): OpenAIMessage[] {
  if (!Array.isArray(messages) || messages.length === 0) {
    throw GatewayError.invalid('messages', "'messages' must be a non-empty array");
  }
  return messages.flatMap((msg: unknown, i): OpenAIMessage[] => {
    const path = `messages[${i}]`;
    if (!isRecord(msg)) throw GatewayError.invalid(path, `${path} must be an object`);
    const { content } = msg;
    if (typeof content !== 'string' && !Array.isArray(content)) {
      throw GatewayError.invalid(`${path}.content`, `${path}.content must be a string or an array of content blocks`);
    }
    switch (msg.role) {
      case 'user':
        return userMessages(content, path);
      case 'assistant': {
        const assistant = assistantMessage(content, path);
        return assistant ? [assistant] : [];
      }
      default:
        throw GatewayError.invalid(
          `${path}.role`,
          `${path}.role must be 'user' or 'assistant' (got ${describe(msg.role)})`,
        );
    }
  });
}

/** One Anthropic user turn: its tool results become `tool` messages, emitted before the rest of the turn. */
function userMessages(content: string | unknown[], path: string): OpenAIMessage[] {
  if (typeof content === 'string') return [{ role: 'user', content }];
  const toolMessages: OpenAIMessage[] = [];
  const parts: OpenAIContentPart[] = [];
  content.forEach((block: unknown, j) => {
    const blockPath = `${path}.content[${j}]`;
    if (!isRecord(block)) throw GatewayError.invalid(blockPath, `${blockPath} must be a content block object`);
    switch (block.type) {
      case 'tool_result':
        toolMessages.push(toolMessage(block, blockPath));
        return;
      case 'text':
        parts.push({ type: 'text', text: textOf(block, blockPath) });
        return;
      case 'image':
        parts.push(imagePart(block, blockPath));
        return;
      default:
        throw unsupportedBlock(block.type, blockPath);
    }
  });
  if (parts.length === 0) return toolMessages;
  const userContent = parts.length === 1 && parts[0].type === 'text' ? (parts[0] as { text: string }).text : parts;
  return [...toolMessages, { role: 'user', content: userContent }];
}

function unsupportedBlock(type: unknown, path: string): GatewayError {
  const why = type === 'document' ? ' (documents are not translated to OpenAI file parts)' : '';
  return GatewayError.unsupported(path, `content block type ${describe(type)} is not supported ${ON_OPENAI}${why}`);
}

function textOf(block: Record<string, unknown>, path: string): string {
  if (typeof block.text !== 'string') throw GatewayError.invalid(`${path}.text`, `${path}.text must be a string`);
  return block.text;
}

function imagePart(block: Record<string, unknown>, path: string): OpenAIImagePart {
  const { source } = block;
  if (isRecord(source)) {
    if (source.type === 'base64' && typeof source.media_type === 'string' && typeof source.data === 'string') {
      return { type: 'image_url', image_url: { url: `data:${source.media_type};base64,${source.data}` } };
    }
    if (source.type === 'url' && typeof source.url === 'string')
      return { type: 'image_url', image_url: { url: source.url } };
    if (source.type === 'file') {
      throw GatewayError.unsupported(
        `${path}.source`,
        `image source type 'file' (Files API file_id) is not supported ${ON_OPENAI}; send the image as base64 or a URL`,
      );
    }
  }
  throw GatewayError.invalid(`${path}.source`, `${path}.source must be a base64 or url image source`);
}

function toolMessage(block: Record<string, unknown>, path: string): OpenAIMessage {
  if (typeof block.tool_use_id !== 'string' || !block.tool_use_id) {
    throw GatewayError.invalid(`${path}.tool_use_id`, `${path}.tool_use_id must be a non-empty string`);
  }
  const text = toolResultText(block.content, path);
  return { role: 'tool', tool_call_id: block.tool_use_id, content: block.is_error === true ? `Error: ${text}` : text };
}

function toolResultText(content: unknown, path: string): string {
  if (content == null) return '';
  if (typeof content === 'string') return content;
  if (!Array.isArray(content))
    throw GatewayError.invalid(`${path}.content`, `${path}.content must be a string or an array of blocks`);
  return content
    .map((block: unknown, k) => {
      const blockPath = `${path}.content[${k}]`;
      if (isRecord(block) && block.type === 'text') return textOf(block, blockPath);
      const type = isRecord(block) ? block.type : block;
      throw GatewayError.unsupported(
        blockPath,
        `tool_result content of type ${describe(type)} is not supported ${ON_OPENAI} (OpenAI tool messages carry text only)`,
      );
    })
    .join('\n');
}

/** Null when nothing OpenAI can take is left (e.g. a turn of thinking blocks only). */
function assistantMessage(content: string | unknown[], path: string): OpenAIMessage | null {
  if (typeof content === 'string') return { role: 'assistant', content };
  const texts: string[] = [];
  const toolCalls: OpenAIToolCall[] = [];
  content.forEach((block: unknown, j) => {
    const blockPath = `${path}.content[${j}]`;
    if (!isRecord(block)) throw GatewayError.invalid(blockPath, `${blockPath} must be a content block object`);
    switch (block.type) {
      case 'text':
        texts.push(textOf(block, blockPath));
        return;
      case 'tool_use':
        toolCalls.push(toolCall(block, blockPath));
        return;
      case 'thinking':
      case 'redacted_thinking':
        return; // OpenAI cannot take earlier reasoning back; the visible turn stays intact without it
      default:
        throw unsupportedBlock(block.type, blockPath);
    }
  });
  if (texts.length === 0 && toolCalls.length === 0) return null;
  const message: OpenAIMessage = { role: 'assistant', content: texts.length > 0 ? texts.join('') : null };
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  return message;
}

function toolCall(block: Record<string, unknown>, path: string): OpenAIToolCall {
  if (typeof block.id !== 'string' || !block.id)
    throw GatewayError.invalid(`${path}.id`, `${path}.id must be a non-empty string`);
  if (typeof block.name !== 'string' || !block.name) {
    throw GatewayError.invalid(`${path}.name`, `${path}.name must be a non-empty string`);
  }
  return {
    id: block.id,
    type: 'function',
    function: { name: block.name, arguments: JSON.stringify(block.input ?? {}) },
  };
}

function translateTools(tools: unknown): OpenAITool[] | undefined {
  if (tools == null) return undefined;
  if (!Array.isArray(tools)) throw GatewayError.invalid('tools', "'tools' must be an array");
  if (tools.length === 0) return undefined;
  return tools.map((tool: unknown, i) => {
    const path = `tools[${i}]`;
    if (!isRecord(tool)) throw GatewayError.invalid(path, `${path} must be an object`);
    if (tool.type !== undefined && tool.type !== 'custom') {
      throw GatewayError.unsupported(
        `${path}.type`,
        `server tool ${describe(tool.type)} is not supported ${ON_OPENAI} (only custom tools with an input_schema)`,
      );
    }
    if (typeof tool.name !== 'string' || !tool.name)
      throw GatewayError.invalid(`${path}.name`, `${path}.name must be a non-empty string`);
    const fn: OpenAITool['function'] = { name: tool.name };
    if (typeof tool.description === 'string') fn.description = tool.description;
    fn.parameters = isRecord(tool.input_schema) ? tool.input_schema : { type: 'object', properties: {} };
    if (tool.strict === true) fn.strict = true;
    return { type: 'function', function: fn };
  });
}

function translateToolChoice(choice: unknown): { tool_choice?: OpenAIToolChoice; parallel_tool_calls?: boolean } {
  if (choice == null) return {};
  if (!isRecord(choice)) throw GatewayError.invalid('tool_choice', "'tool_choice' must be an object");
  const out: { tool_choice?: OpenAIToolChoice; parallel_tool_calls?: boolean } = {};
  switch (choice.type) {
    case 'auto':
      out.tool_choice = 'auto';
      break;
    case 'any':
      out.tool_choice = 'required';
      break;
    case 'none':
      out.tool_choice = 'none';
      break;
    case 'tool':
      if (typeof choice.name !== 'string' || !choice.name) {
        throw GatewayError.invalid('tool_choice.name', "'tool_choice.name' must be a non-empty string");
      }
      out.tool_choice = { type: 'function', function: { name: choice.name } };
      break;
    default:
      throw GatewayError.unsupported(
        'tool_choice.type',
        `tool_choice type ${describe(choice.type)} is not supported ${ON_OPENAI}`,
      );
  }
  if (choice.disable_parallel_tool_use === true) out.parallel_tool_calls = false;
  return out;
}

function translateOutputFormat(format: unknown): OpenAIChatRequest['response_format'] {
  if (format == null) return undefined;
  if (isRecord(format) && format.type === 'json_schema' && isRecord(format.schema)) {
    return { type: 'json_schema', json_schema: { name: 'output', schema: format.schema } };
  }
  const type = isRecord(format) ? format.type : format;
  throw GatewayError.unsupported(
    'output_config.format',
    `output_config.format ${describe(type)} is not supported ${ON_OPENAI} (only json_schema)`,
  );
}
