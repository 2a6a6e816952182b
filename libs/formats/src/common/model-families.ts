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
