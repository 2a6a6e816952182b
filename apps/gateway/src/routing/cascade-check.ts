import type { AnswerSummary } from '@lessllm/formats';

/** Why a cheap tier's answer is not good enough (null: it is). */
export type CascadeFailure = 'empty' | 'refusal' | 'invalid_json' | 'cut_off';

/** Short answers that say "no" or "don't know" instead of answering; checked on the start of the text. */
const REFUSAL =
  /^\W*(i\s*(?:'m| am)\s+(?:sorry|not (?:sure|able)|unable)|i\s+(?:can(?:'|no)t|cannot|do(?:n'|\s+no)t know|am unable)|sorry,? (?:but )?i|as an ai\b|i apologi[sz]e)/i;

/**
 * The cascade's quality check on the cheap tier's answer (its summary in the caller's format): empty, a refusal or
 * "I don't know", cut off by the length limit, or not valid JSON when JSON output was asked for. A tool call passes.
 */
export function cascadeFailure(answer: AnswerSummary, wantsJson: boolean): CascadeFailure | null {
  if (answer.cutOff) return 'cut_off';
  if (answer.hasToolCalls) return null;
  const text = answer.text.trim();
  if (!text) return 'empty';
  // Long answers that open politely ("I'm sorry to hear that...") are answers; refusals are short.
  if (text.length < 400 && REFUSAL.test(text)) return 'refusal';
  if (wantsJson && !isJson(text)) return 'invalid_json';
  return null;
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
