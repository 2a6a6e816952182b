/** Where a prompt block sits in the provider's cache order (tools → system → messages). */
export type PromptSection = 'tools' | 'system' | 'messages';
export type PromptCacheTtl = '5m' | '1h';

/** Synthetic ids for formatting tokens (tiktoken ids are ≥ 0, so these never collide with real tokens). */
export const MARK_MESSAGE = -1;
export const MARK_NAME = -2;
export const MARK_TOOLS = -3;
export const MARK_IMAGE = -4;
export const MARK_PRIMING = -5;

/**
 * What a format writes its prompt into, in the provider's cache order: token-bearing text, formatting tokens,
 * hash-only content (images, schemas), and block boundaries (Anthropic `cache_control` breakpoints). The tokenizer
 * (libs/tokens) implements it; formats only know this port.
 */
export interface PromptSink {
  text(text: string): void;
  /** `count` formatting tokens (message separators, tool overhead constants, image placeholders). */
  marker(count: number, id: number): void;
  /** Changes every later prefix hash without adding tokens. */
  digest(text: string): void;
  endBlock(section: PromptSection, cacheControl: PromptCacheTtl | null): void;
  /** Puts a breakpoint on the last block when it has none (Anthropic's top-level automatic `cache_control`). */
  markLastBlock(cacheControl: PromptCacheTtl): void;
}

/** The OpenAI cookbook's fitted tool-definition overheads (providers.md §7.2), per tokenizer. */
export interface ToolOverhead {
  funcInit: number;
  propInit: number;
  propKey: number;
  enumInit: number;
  enumItem: number;
  funcEnd: number;
}

/** Per-message and reply-priming overheads of the cookbook (gpt-3.5-0613+ / gpt-4 / gpt-4o; providers.md §7.2). */
export const TOKENS_PER_MESSAGE = 3;
export const TOKENS_PER_NAME = 1;
export const REPLY_PRIMING_TOKENS = 3;

/**
 * Image estimates (images are not tokenised text; the real cost depends on pixels, which we do not decode):
 * OpenAI `detail: low` = 85 tokens, otherwise 765 (a 1024×1024 high-detail image: 4 tiles × 170 + 85).
 */
export const OPENAI_IMAGE_TOKENS = { low: 85, high: 765 } as const;

/**
 * Image estimate for Claude: ≈ width × height / 750, and images are downscaled to about 1.15 MP, so a large image
 * is ≈ 1,600 tokens (providers.md §2.3). We do not decode pixels: every image counts as a large one.
 */
export const ANTHROPIC_IMAGE_TOKENS = 1_600;
