import type {
  AnthropicContentBlock,
  AnthropicMessage,
  AnthropicMessagesRequest,
  AnthropicStopReason,
  AnthropicUsage,
} from '@lessllm/shared';
import { createHash, randomUUID } from 'node:crypto';
import type { Behaviour } from '../shared/behaviour';
import { sampleArguments } from '../shared/schema';
import { applyStop, countWords, isRecord, truncateWords } from '../shared/text';
import type { AnthropicFakeState } from './options';
import { accountPrompt, blocksText } from './prompt';

export const ODD_SPLIT_SUFFIX = ' héllo wörld ✓';
export const SLOW_STREAM_TEXT = Array.from({ length: 20 }, (_, i) => `w${i + 1}`).join(' ');

export const messageId = (): string => `msg_${randomUUID().replace(/-/g, '').slice(0, 24)}`;

function lastUserMessage(request: AnthropicMessagesRequest): AnthropicMessagesRequest['messages'][number] | undefined {
  for (let i = request.messages.length - 1; i >= 0; i--)
    if (request.messages[i].role === 'user') return request.messages[i];
  return undefined;
}

/** `tool said: <content>` when the last user turn carries tool_result blocks. */
function toolResultText(content: unknown): string | undefined {
  if (!Array.isArray(content)) return undefined;
  const results = content.filter((b): b is Record<string, unknown> => isRecord(b) && b.type === 'tool_result');
  if (results.length === 0) return undefined;
  return `tool said: ${results.map((r) => blocksText(r.content)).join(' ')}`;
}

function chosenTool(request: AnthropicMessagesRequest): { name: string; schema: unknown } | undefined {
  const tools = (request.tools ?? []).filter((t) => isRecord(t) && typeof t.name === 'string');
  const choice = request.tool_choice;
  if (tools.length === 0 || choice?.type === 'none') return undefined;
  const forced = choice?.type === 'tool' ? choice.name : undefined;
  const tool = tools.find((t) => t.name === forced) ?? tools[0];
  return { name: forced ?? tool.name, schema: tool.input_schema };
}

/**
 * Default behaviour: `echo: <last user text>`; `tool said: <content>` after tool results; a tool_use block for the first
 * (or forced) tool when tools are offered; `max_tokens` and `stop_sequences` honoured.
 */
export function buildMessage(
  request: AnthropicMessagesRequest,
  behaviour: Behaviour,
  state: AnthropicFakeState,
): AnthropicMessage {
  const lastUser = lastUserMessage(request);
  const toolSaid =
    request.messages[request.messages.length - 1].role === 'user' ? toolResultText(lastUser?.content) : undefined;
  const tool = toolSaid === undefined ? chosenTool(request) : undefined;
  let content: AnthropicContentBlock[];
  let stopReason: AnthropicStopReason = 'end_turn';
  let stopSequence: string | null = null;
  let outputTokens: number;
  if (tool) {
    const input = sampleArguments(tool.schema);
    content = [{ type: 'tool_use', id: `toolu_${++state.toolCounter}`, name: tool.name, input }];
    stopReason = 'tool_use';
    outputTokens = Math.ceil((tool.name.length + JSON.stringify(input).length) / 4);
  } else {
    let text =
      behaviour === 'stream-slow' && request.stream === true
        ? SLOW_STREAM_TEXT
        : (toolSaid ?? `echo: ${blocksText(lastUser?.content)}`);
    if (behaviour === 'stream-odd-splits') text += ODD_SPLIT_SUFFIX;
    if (Array.isArray(request.stop_sequences)) {
      const cut = applyStop(text, request.stop_sequences);
      if (cut.matched !== null) {
        text = cut.text;
        stopReason = 'stop_sequence';
        stopSequence = cut.matched;
      }
    }
    if (request.max_tokens < countWords(text)) {
      text = truncateWords(text, request.max_tokens);
      stopReason = 'max_tokens';
      stopSequence = null;
    }
    content = [{ type: 'text', text }];
    outputTokens = countWords(text);
  }
  // Thinking on: the answer opens with a signed thinking block (signatures are `sig_` + 16 hex, see validate.ts).
  const thinking =
    isRecord(request.thinking) && (request.thinking.type === 'enabled' || request.thinking.type === 'adaptive');
  if (thinking) {
    const signature = `sig_${createHash('sha256').update(JSON.stringify(request.messages)).digest('hex').slice(0, 16)}`;
    content = [{ type: 'thinking', thinking: 'Let me think about this.', signature }, ...content];
    outputTokens += 5;
  }
  const usage: AnthropicUsage = {
    ...accountPrompt(request, state.cache, state.minCacheableTokens),
    output_tokens: outputTokens,
    service_tier: 'standard',
  };
  return {
    id: messageId(),
    type: 'message',
    role: 'assistant',
    model: request.model,
    content,
    stop_reason: stopReason,
    stop_sequence: stopSequence,
    usage,
  };
}
