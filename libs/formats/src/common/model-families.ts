import { createHash } from 'node:crypto';

/** What translation needs to know about target models, by name (the gateway sees no capability list). */

/** OpenAI reasoning models take `max_completion_tokens` and `reasoning_effort` (providers.md §1.2). */
const OPENAI_REASONING_MODEL = /^(?:.*\/)?(o\d|gpt-5)/;

export function isOpenAIReasoningModel(model: string): boolean {
  return OPENAI_REASONING_MODEL.test(model);
}

/**
 * How a Claude model takes thinking (anthropic-2026.md §3.1): `budget` (`{type: enabled, budget_tokens}`, before
 * 4.6), `adaptive` (4.6: adaptive preferred, budgets deprecated) or `adaptive-only` (Opus 4.7+, Claude 5, Mythos,
 * Fable: a budget is a 400).
 */
export type ClaudeThinkingStyle = 'budget' | 'adaptive' | 'adaptive-only';

export function claudeThinkingStyle(model: string): ClaudeThinkingStyle {
  const id = model.toLowerCase();
  if (/mythos|fable/.test(id)) return 'adaptive-only';
  const m =
    /claude-(?:opus|sonnet|haiku)-(\d+)(?:[-.](\d{1,2})(?!\d))?/.exec(id) ??
    /claude-(\d+)(?:[-.](\d{1,2})(?!\d))?/.exec(id);
  if (!m) return 'budget';
  const major = Number(m[1]);
  const minor = m[2] === undefined ? 0 : Number(m[2]);
  if (major >= 5) return 'adaptive-only';
  if (major === 4 && minor >= 7) return 'adaptive-only';
  if (major === 4 && minor === 6) return 'adaptive';
  return 'budget';
}

/**
 * Largest output a model accepts (providers.md §6; vendor model pages): a translated request asking for more would
 * be refused by the provider (Claude Code asks for 32,000 tokens; gpt-4o takes 16,384), so translation clamps to it
 * and says so. Unknown models are left alone; `models.<alias>.max_output_tokens` overrides.
 */
const OUTPUT_CAPS: Array<[RegExp, number]> = [
  [/^(?:.*\/)?gpt-4o/, 16_384],
  [/^(?:.*\/)?gpt-4\.1/, 32_768],
  [/^(?:.*\/)?gpt-4-(?:turbo|1106|0125)/, 4_096],
  [/^(?:.*\/)?gpt-4(?:-0613|-0314)?$/, 8_192],
  [/^(?:.*\/)?gpt-3\.5/, 4_096],
  [/^(?:.*\/)?o\d/, 100_000],
  [/^(?:.*\/)?gpt-5/, 128_000],
  [/claude-3-5-/, 8_192],
  [/claude-3-haiku|claude-3-opus|claude-3-sonnet/, 4_096],
  [/claude-opus-4-(?:0|1)(?!\d)|claude-opus-4-2025/, 32_000],
  [/claude-opus-4-(?:[6-9])|claude-(?:opus|sonnet)-5/, 128_000],
  [/claude-3-7|claude-(?:sonnet|opus|haiku)-4/, 64_000],
];

export function maxOutputTokensOf(model: string): number | undefined {
  const id = model.toLowerCase();
  return OUTPUT_CAPS.find(([pattern]) => pattern.test(id))?.[1];
}

/**
 * OpenAI's end-user fields take short opaque ids (`safety_identifier` at most 64 characters); longer ones (Claude
 * Code sends a JSON object as its user id) are sent as a digest, which still groups one user's calls.
 */
export function shortUserId(user: string, max = 64): string {
  if (user.length <= max) return user;
  return `lessllm-${createHash('sha256').update(user).digest('hex').slice(0, 40)}`;
}
