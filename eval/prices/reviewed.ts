import type { Difference } from './compare';

/**
 * Differences with genai-prices that were looked at and kept, with why and when. A reviewed difference that no
 * longer occurs is reported as stale (remove it); a new difference is reported as unreviewed.
 */
export interface ReviewedDifference {
  /** `family/id`, and optionally the point (`base`, `>N`) and field; omitted = every field of that id. */
  id: string;
  at?: string;
  field?: Difference['field'];
  reason: string;
  checked: string;
}

export const REVIEWED: readonly ReviewedDifference[] = [
  {
    id: 'openai/gpt-5.6',
    reason:
      "genai-prices resolves the bare id to gpt-5.6-sol with its 2026-08-21 reduction (4 / 0.4 / 5 / 20); issue 12's check of OpenAI's page gives gpt-5.6 at 5 / 0.5 / 6.25 / 30 with cached 1.00 above 272k",
    checked: '2026-12-06',
  },
  {
    id: 'anthropic/claude-sonnet-4',
    at: '>200000',
    reason:
      "Anthropic's pricing page bills Sonnet 4 (1M-context beta) above 200k at 6 / 22.50, as Sonnet 4.5 (providers.md §6.2); genai-prices has no tier for it",
    checked: '2026-12-06',
  },
  {
    id: 'anthropic/claude-sonnet-4-0',
    at: '>200000',
    reason: 'alias of claude-sonnet-4 (above)',
    checked: '2026-12-06',
  },
  {
    id: 'gemini/gemini-2.5-flash-preview-09-2025',
    reason:
      'genai-prices prices it as gemini-2.5-flash; LLM-PRICES lists 25 % cached for the 2025-09 preview (providers.md §4.3)',
    checked: '2026-12-06',
  },
  {
    id: 'deepseek/deepseek-chat',
    reason:
      'V4 Flash alias until its retirement on 2026-07-24 (issue 12 research, §1.7); genai-prices keeps the 2025 V3 rates with off-peak hours',
    checked: '2026-12-06',
  },
  {
    id: 'deepseek/deepseek-reasoner',
    reason: 'as deepseek-chat (above); genai-prices keeps the 2025 R1 rates',
    checked: '2026-12-06',
  },
  {
    id: 'deepseek/deepseek-v3.2',
    reason:
      'providers.md §6.4: 0.28 / 0.028 / 0.42 in benchlm (2026-04) and LLM-PRICES (2026-07); genai-prices lists 0.2288 / 0.3432 with no cache price',
    checked: '2026-12-06',
  },
  {
    id: 'deepseek/deepseek-v4-flash',
    reason:
      'billed as V4.1 Flash (0.15 / 0.003 / 0.60) since 2026-09-10 (LiteLLM#37255, gptme PR #3799, in the issue 12 research); genai-prices 0.1.8 still has the 2026-08-17 rates',
    checked: '2026-12-06',
  },
];

/** The review covering a difference, if any. */
export function reviewFor(d: Difference): ReviewedDifference | undefined {
  return REVIEWED.find(
    (r) =>
      r.id === `${d.family}/${d.id}` &&
      // Which of their rows an id resolves to is named once per id, whatever point the review is about.
      (d.field === 'model' ||
        ((r.at === undefined || r.at === d.at) && (r.field === undefined || r.field === d.field))),
  );
}
