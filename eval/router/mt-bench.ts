import type { RoutingInput, Tier } from '@lessllm/routing';
import { readFileSync } from 'node:fs';

export interface MtBenchQuestion {
  question_id: number;
  category: string;
  turns: string[];
}

export interface EvalItem {
  qid: number;
  category: string;
  turn: 1 | 2;
  input: RoutingInput;
  label: Tier;
}

/**
 * MT-Bench categories where published results show small models far behind GPT-4 (math, reasoning, coding): the
 * strong tier is needed. Writing, roleplay, extraction, STEM and humanities, where they come close, are labelled
 * weak ("the cheap tier is enough"), extraction included.
 */
export const STRONG_CATEGORIES: ReadonlySet<string> = new Set(['math', 'reasoning', 'coding']);

/**
 * MT-Bench ships questions only, no answers; a turn-2 request needs the turn-1 answer in context. A fixed neutral
 * placeholder stands in for it (its features add nothing but one assistant message). The reference answers some
 * questions carry are NOT used: they exist only for math / reasoning / coding, so they would leak the label.
 */
export const ANSWER_PLACEHOLDER = '[the assistant answer to the first question]';

export function loadMtBench(file: string): MtBenchQuestion[] {
  const questions = readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as MtBenchQuestion);
  for (const q of questions) {
    if (typeof q.question_id !== 'number' || typeof q.category !== 'string' || !Array.isArray(q.turns)) {
      throw new Error(`${file}: unexpected line ${JSON.stringify(q).slice(0, 80)}`);
    }
  }
  return questions;
}

/** Each question as two routing inputs: turn 1 alone, and turn 2 after turn 1 and a placeholder answer. */
export function toItems(questions: readonly MtBenchQuestion[]): EvalItem[] {
  const items: EvalItem[] = [];
  for (const q of questions) {
    const label: Tier = STRONG_CATEGORIES.has(q.category) ? 'strong' : 'weak';
    const base = { tools: false, jsonOutput: false, maxTokens: null };
    items.push({
      qid: q.question_id,
      category: q.category,
      turn: 1,
      label,
      input: { ...base, messages: [{ role: 'user', text: q.turns[0] }] },
    });
    if (q.turns.length > 1) {
      items.push({
        qid: q.question_id,
        category: q.category,
        turn: 2,
        label,
        input: {
          ...base,
          messages: [
            { role: 'user', text: q.turns[0] },
            { role: 'assistant', text: ANSWER_PLACEHOLDER },
            { role: 'user', text: q.turns[1] },
          ],
        },
      });
    }
  }
  return items;
}
