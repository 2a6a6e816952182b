import type { AnthropicMessagesRequest } from '@lessllm/shared';
import { createHash } from 'node:crypto';
import { estimateTokens, isRecord } from '../shared/text';

/** Text of a content value (string, or text blocks joined with a space). */
export function blocksText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  const texts: string[] = [];
  for (const block of content)
    if (isRecord(block) && block.type === 'text' && typeof block.text === 'string') texts.push(block.text);
  return texts.join(' ');
}

/** Characters a block contributes to the token estimate. */
function blockChars(block: unknown): number {
  if (!isRecord(block)) return 0;
  switch (block.type) {
    case 'text':
      return typeof block.text === 'string' ? block.text.length : 0;
    case 'tool_result':
      return blocksText(block.content).length;
    case 'tool_use':
      return JSON.stringify(block.input ?? {}).length;
    default:
      return 0;
  }
}

/** One cacheable unit of the prompt, in cache order: tools, then system, then messages. */
interface Segment {
  chars: number;
  /** True for the first block of a message (and of the system prompt): adds the per-message 3 tokens. */
  opensMessage: boolean;
  /** Role/kind tag plus the block, for hashing (cache_control stripped). */
  tag: string;
  block: unknown;
  cacheTtl: string | undefined;
}

function cacheTtl(block: unknown): string | undefined {
  if (!isRecord(block) || !isRecord(block.cache_control)) return undefined;
  return block.cache_control.ttl === '1h' ? '1h' : '5m';
}

function segments(request: AnthropicMessagesRequest): Segment[] {
  const out: Segment[] = [];
  for (const tool of request.tools ?? []) {
    out.push({
      chars: JSON.stringify(stripCacheControl(tool)).length,
      opensMessage: false,
      tag: 'tool',
      block: tool,
      cacheTtl: cacheTtl(tool),
    });
  }
  const pushContent = (tag: string, content: unknown): void => {
    if (typeof content === 'string') {
      out.push({ chars: content.length, opensMessage: true, tag, block: content, cacheTtl: undefined });
      return;
    }
    if (!Array.isArray(content)) return;
    content.forEach((block: unknown, i) => {
      out.push({ chars: blockChars(block), opensMessage: i === 0, tag, block, cacheTtl: cacheTtl(block) });
    });
  };
  if (request.system !== undefined) pushContent('system', request.system);
  for (const message of request.messages) pushContent(message.role, message.content);
  // Automatic caching: a top-level cache_control marks the end of the prompt.
  const last = out[out.length - 1];
  if (last && isRecord(request.cache_control) && !last.cacheTtl) last.cacheTtl = cacheTtl(request);
  return out;
}

export interface PromptUsage {
  input_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
  cache_creation: { ephemeral_5m_input_tokens: number; ephemeral_1h_input_tokens: number };
}

function stripCacheControl(block: unknown): unknown {
  if (!isRecord(block) || block.cache_control === undefined) return block;
  const { cache_control: _ignored, ...rest } = block;
  return rest;
}

/** Total input-token estimate (`ceil(chars / 4) + 3` per message, system prompt included). */
export function totalInputTokens(request: AnthropicMessagesRequest): number {
  let chars = 0;
  let messages = 0;
  for (const s of segments(request)) {
    chars += s.chars;
    if (s.opensMessage) messages++;
  }
  return estimateTokens(chars, messages);
}

/**
 * Input accounting with a deterministic prompt cache. Each cache_control breakpoint's prefix (model + everything up to
 * and including the marked block, markers stripped) is hashed. The longest previously seen prefix is read from the
 * cache; the rest up to the last breakpoint is written; `input_tokens` is what follows the last breakpoint.
 */
export function accountPrompt(
  request: AnthropicMessagesRequest,
  cache: Map<string, number>,
  minCacheableTokens: number,
): PromptUsage {
  const segs = segments(request);
  const hasBreakpoint = segs.some((s) => s.cacheTtl);
  let chars = 0;
  let messages = 0;
  const hash = hasBreakpoint ? createHash('sha256').update(request.model) : undefined;
  const breakpoints: Array<{ key: string; tokens: number; ttl: string }> = [];
  for (const s of segs) {
    chars += s.chars;
    if (s.opensMessage) messages++;
    if (!hash) continue;
    hash.update(`\u0000${s.tag}\u0000${JSON.stringify(stripCacheControl(s.block))}`);
    if (s.cacheTtl)
      breakpoints.push({ key: hash.copy().digest('hex'), tokens: estimateTokens(chars, messages), ttl: s.cacheTtl });
  }
  const total = estimateTokens(chars, messages);
  const last = breakpoints[breakpoints.length - 1];
  if (!last || last.tokens < minCacheableTokens) {
    return {
      input_tokens: total,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
      cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 0 },
    };
  }
  let read = 0;
  for (let i = breakpoints.length - 1; i >= 0; i--) {
    const hit = cache.get(breakpoints[i].key);
    if (hit !== undefined) {
      read = hit;
      break;
    }
  }
  for (const bp of breakpoints) if (bp.tokens >= minCacheableTokens) cache.set(bp.key, bp.tokens);
  const created = last.tokens - read;
  return {
    input_tokens: total - last.tokens,
    cache_creation_input_tokens: created,
    cache_read_input_tokens: read,
    cache_creation: {
      ephemeral_5m_input_tokens: last.ttl === '1h' ? 0 : created,
      ephemeral_1h_input_tokens: last.ttl === '1h' ? created : 0,
    },
  };
}
