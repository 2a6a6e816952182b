import type { AnthropicContentBlock, AnthropicMessage, AnthropicStreamEvent } from '@lessllm/shared';
import { encodeSse } from '@lessllm/shared';
import { textPieces } from '../common/text-pieces';
import type { Json } from '../wire-format';

/** message_start, each content block (start, delta(s), stop), message_delta with usage, message_stop. */
export function replayMessages(response: Json): string[] {
  const message = response as unknown as AnthropicMessage;
  const events: AnthropicStreamEvent[] = [];
  const { input_tokens, cache_creation_input_tokens, cache_read_input_tokens } = message.usage;
  events.push({
    type: 'message_start',
    message: {
      ...message,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { ...message.usage, output_tokens: 0 },
    },
  });
  message.content.forEach((block, index) => events.push(...blockEvents(block, index)));
  events.push({
    type: 'message_delta',
    delta: { stop_reason: message.stop_reason, stop_sequence: message.stop_sequence },
    usage: {
      input_tokens,
      output_tokens: message.usage.output_tokens,
      ...(cache_creation_input_tokens != null ? { cache_creation_input_tokens } : {}),
      ...(cache_read_input_tokens != null ? { cache_read_input_tokens } : {}),
    },
  });
  events.push({ type: 'message_stop' });
  return events.map((event) => encodeSse(JSON.stringify(event), event.type));
}

function blockEvents(block: AnthropicContentBlock, index: number): AnthropicStreamEvent[] {
  const start = (content_block: AnthropicContentBlock): AnthropicStreamEvent => ({
    type: 'content_block_start',
    index,
    content_block,
  });
  const delta = (d: { type: string; [key: string]: unknown }): AnthropicStreamEvent => ({
    type: 'content_block_delta',
    index,
    delta: d,
  });
  const out: AnthropicStreamEvent[] = [];
  const b = block as Record<string, unknown>;
  if (block.type === 'text' && typeof b.text === 'string') {
    out.push(start({ ...block, text: '' }));
    for (const text of textPieces(b.text)) out.push(delta({ type: 'text_delta', text }));
  } else if (block.type === 'tool_use') {
    out.push(start({ ...block, input: {} }));
    out.push(delta({ type: 'input_json_delta', partial_json: JSON.stringify(b.input ?? {}) }));
  } else if (block.type === 'thinking' && typeof b.thinking === 'string') {
    out.push(start({ ...block, thinking: '', signature: '' }));
    out.push(delta({ type: 'thinking_delta', thinking: b.thinking }));
    if (typeof b.signature === 'string') out.push(delta({ type: 'signature_delta', signature: b.signature }));
  } else {
    out.push(start(block)); // blocks without deltas (e.g. redacted_thinking) arrive whole
  }
  out.push({ type: 'content_block_stop', index });
  return out;
}
