import { detectLanguage } from './language';
import { wordTokens } from './text-features';

export type GuardName = 'numbers' | 'negation' | 'code' | 'language';

export type GuardResult = { ok: true } | { ok: false; guard: GuardName };

const NUMBER_WORDS: Record<string, string> = {
  zero: '0', one: '1', two: '2', three: '3', four: '4', five: '5', six: '6', seven: '7', eight: '8', nine: '9',
  ten: '10', eleven: '11', twelve: '12', thirteen: '13', fourteen: '14', fifteen: '15', sixteen: '16',
  seventeen: '17', eighteen: '18', nineteen: '19', twenty: '20', thirty: '30', forty: '40', fifty: '50',
  hundred: '100', thousand: '1000', million: '1000000', billion: '1000000000', half: '0.5', twice: '2x',
  double: '2x', triple: '3x', first: '1st', second: '2nd', third: '3rd', last: 'last',
}; // prettier-ignore

const NEGATIONS = new Set(
  (
    'not no never none nothing nobody nowhere neither nor without cannot cant dont doesnt didnt isnt arent ' +
    'wasnt werent wont wouldnt shouldnt couldnt mustnt hasnt havent hadnt except exclude excluding ' +
    'nicht kein keine keinen nie ohne pas jamais sans aucun aucune nunca sin ningún ninguna nenhum nem sem ' +
    'non mai senza niet geen nooit zonder нет не никогда без'
  ).split(' '),
);

/** Numbers as a sorted multiset: digit runs (1,000.5 -> 1000.5) plus common English number words. */
export function numberSignature(text: string): string[] {
  const out: string[] = [];
  for (const m of text.normalize('NFKC').matchAll(/-?\d+(?:[.,]\d+)*(?:[eE][+-]?\d+)?%?/g)) {
    const raw = m[0].replace(/,(?=\d{3}(?:\D|$))/g, '').replace(',', '.');
    out.push(raw);
  }
  for (const w of wordTokens(text)) if (NUMBER_WORDS[w]) out.push(NUMBER_WORDS[w]);
  return out.sort();
}

/** True when the text contains a negation word (apostrophes dropped, so "don't" == "dont"; "n't" suffixes too). */
export function hasNegation(text: string): boolean {
  return wordTokens(text).some((w) => {
    const bare = w.replace(/['’]/g, '');
    return NEGATIONS.has(bare) || /n['’]t$/.test(w);
  });
}

/**
 * Code fingerprint: fenced blocks and `inline code` verbatim (whitespace-collapsed), plus identifier-like
 * tokens in prose (snake_case, camelCase, dotted.names, calls(), paths, flags). Empty when none present.
 */
export function codeSignature(text: string): string[] {
  const out: string[] = [];
  let prose = text.replace(/```[\s\S]*?(?:```|$)/g, (block) => {
    out.push(`block:${block.replace(/\s+/g, ' ').trim()}`);
    return ' ';
  });
  prose = prose.replace(/`([^`\n]+)`/g, (_m, inline: string) => {
    out.push(`inline:${inline.trim()}`);
    return ' ';
  });
  const ident =
    /(?:^|[\s(["'])((?:--?[a-z][\w-]*)|(?:[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)+\(?\)?)|(?:[A-Za-z_$][\w$]*\(\))|(?:[a-z]+_[a-z0-9_]+)|(?:[a-z]+[A-Z][A-Za-z0-9]*)|(?:\/?[\w.-]+\/[\w./-]+)|(?:[<{][\w\s/="'-]+[>}]))/g;
  for (const m of prose.matchAll(ident)) {
    const tok = m[1].replace(/[.,;:!?]+$/, '');
    if (/^\d+(\.\d+)*$/.test(tok)) continue;
    if (/^[A-Za-z]+\.[A-Za-z]+$/.test(tok) && !/[a-z][A-Z]|_/.test(tok) && !/\(/.test(m[1])) {
      // "e.g"/"U.S" style abbreviations and sentence-joined words are not code
      if (tok.length <= 5) continue;
    }
    out.push(`id:${tok}`);
  }
  return out.sort();
}

function sameList(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** All safety guards; a cached answer is reused only when every one of them passes (a wrong hit is worse than a miss). */
export function checkGuards(query: string, cached: string): GuardResult {
  if (!sameList(numberSignature(query), numberSignature(cached))) return { ok: false, guard: 'numbers' };
  if (hasNegation(query) !== hasNegation(cached)) return { ok: false, guard: 'negation' };
  if (!sameList(codeSignature(query), codeSignature(cached))) return { ok: false, guard: 'code' };
  if (detectLanguage(query) !== detectLanguage(cached)) return { ok: false, guard: 'language' };
  return { ok: true };
}
