/**
 * Anthropic thinking carried through a Responses caller: the Responses API has only an opaque `encrypted_content`
 * for reasoning, so a Claude thinking block (its text and signature, or a redacted block) travels in it, packed
 * and marked, and is unpacked when the conversation comes back to Anthropic. Other targets drop it (signatures are
 * only valid for their own vendor). The approach LiteLLM takes (responses-api.md §8.1).
 */
const PREFIX = 'lessllm:anthropic:';

export interface PackedThinking {
  thinking?: string;
  signature?: string;
  data?: string;
}

export function packAnthropicThinking(thinking: PackedThinking): string {
  return PREFIX + Buffer.from(JSON.stringify(thinking), 'utf8').toString('base64');
}

export function unpackAnthropicThinking(encrypted: string): PackedThinking | null {
  if (!encrypted.startsWith(PREFIX)) return null;
  try {
    const parsed = JSON.parse(Buffer.from(encrypted.slice(PREFIX.length), 'base64').toString('utf8')) as unknown;
    return parsed && typeof parsed === 'object' ? parsed : null;
  } catch {
    return null;
  }
}
