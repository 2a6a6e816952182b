import type { PromptCacheTtl, PromptSection, PromptSink } from '@lessllm/formats';

export type { PromptSection };
export type CacheTtl = PromptCacheTtl;

/** One cacheable unit of the prompt: a tool definition, a system block, a message content block. */
export interface PromptBlock {
  section: PromptSection;
  /** Raw (unscaled) token count from the start of the prompt to the end of this block. */
  end: number;
  /** Hash of everything up to the end of this block. */
  hash: string;
  /** Anthropic `cache_control` on this block (a breakpoint), else null. */
  cacheControl: CacheTtl | null;
}

/** Tokens of the prompt as the provider would see them: a count, prefix hashes and block boundaries. */
export interface RenderedPrompt {
  /** Raw token count with the model's encoding (o200k for non-OpenAI models). */
  rawTokens: number;
  /** rawTokens × correction factor, rounded: the estimated prompt tokens. */
  tokens: number;
  factor: number;
  /** `checkpoints[i]` = hash of the first (i + 1) × CHECKPOINT_TOKENS raw tokens. */
  checkpoints: string[];
  blocks: PromptBlock[];
}

/** Prefix granularity of the automatic (OpenAI-style) prompt caches (providers.md §4.1). */
export const CHECKPOINT_TOKENS = 128;

/**
 * Accumulates a prompt's token ids into a count plus running prefix hashes (two 32-bit multiplicative lanes, ~64
 * bits: collisions only matter within one tenant/provider/model scope). Hash-only `digest` input (images, tool
 * schemas, tool_choice) changes every later hash without adding tokens.
 */
export class TokenPromptSink implements PromptSink {
  private h1 = 0x811c9dc5 | 0;
  private h2 = 0x2545f491 | 0;
  private raw = 0;
  readonly checkpoints: string[] = [];
  readonly blocks: PromptBlock[] = [];

  constructor(private readonly encode: (text: string) => readonly number[]) {}

  get count(): number {
    return this.raw;
  }

  text(text: string): void {
    if (text.length === 0) return;
    const ids = this.encode(text);
    for (let i = 0; i < ids.length; i++) this.push(ids[i]);
  }

  /** `count` formatting tokens (message separators, tool overhead constants, image placeholders). */
  marker(count: number, id: number): void {
    for (let i = 0; i < count; i++) this.push(id);
  }

  digest(text: string): void {
    let h1 = this.h1;
    let h2 = this.h2;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      h1 = Math.imul(h1 ^ c, 0x01000193);
      h2 = Math.imul(h2 ^ c, 0x5bd1e995);
      h2 ^= h2 >>> 15;
    }
    this.h1 = h1;
    this.h2 = h2;
  }

  endBlock(section: PromptSection, cacheControl: CacheTtl | null): void {
    this.blocks.push({ section, end: this.raw, hash: this.hash(), cacheControl });
  }

  markLastBlock(cacheControl: CacheTtl): void {
    const last = this.blocks[this.blocks.length - 1];
    if (last && last.cacheControl === null) last.cacheControl = cacheControl;
  }

  finish(factor: number): RenderedPrompt {
    return {
      rawTokens: this.raw,
      tokens: Math.round(this.raw * factor),
      factor,
      checkpoints: this.checkpoints,
      blocks: this.blocks,
    };
  }

  private push(id: number): void {
    this.h1 = Math.imul(this.h1 ^ id, 0x01000193);
    let h2 = Math.imul(this.h2 ^ id, 0x5bd1e995);
    this.h2 = h2 ^= h2 >>> 15;
    this.raw++;
    if (this.raw % CHECKPOINT_TOKENS === 0) this.checkpoints.push(this.hash());
  }

  private hash(): string {
    return `${(this.h1 >>> 0).toString(36)}.${(this.h2 >>> 0).toString(36)}`;
  }
}
