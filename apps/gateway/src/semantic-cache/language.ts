import { wordTokens } from './text-features';

const SCRIPTS: [string, RegExp][] = [
  ['ja', /[\p{Script=Hiragana}\p{Script=Katakana}]/u],
  ['ko', /\p{Script=Hangul}/u],
  ['zh', /\p{Script=Han}/u],
  ['cyrillic', /\p{Script=Cyrillic}/u],
  ['ar', /\p{Script=Arabic}/u],
  ['he', /\p{Script=Hebrew}/u],
  ['el', /\p{Script=Greek}/u],
  ['hi', /\p{Script=Devanagari}/u],
  ['th', /\p{Script=Thai}/u],
];

const STOPWORDS: Record<string, string[]> = {
  en: 'the a an is are was what how why which who of to in and or for with do does can i you it my this that'.split(
    ' ',
  ),
  es: 'el la los las es son qué que cómo como por para con de del un una y o en mi se lo cuál cual'.split(' '),
  fr: 'le la les est sont que quoi comment pourquoi de des du un une et ou en pour avec je mon ce qui'.split(' '),
  de: 'der die das ist sind was wie warum wer von zu und oder für mit ein eine ich mein nicht ich den dem'.split(' '),
  it: 'il lo la gli le è sono che cosa come perché di del un una e o per con mio questo qual'.split(' '),
  pt: 'o a os as é são que como por para com de do da um uma e ou em meu isso qual'.split(' '),
  nl: 'de het een is zijn wat hoe waarom van te en of voor met ik mijn dit dat'.split(' '),
};

/**
 * Cheap language label: the dominant non-Latin script when present (ja/ko/zh/cyrillic/...), else the Latin
 * language whose stop words cover the most tokens ("latin" when no stop word is recognised or it is a tie).
 */
export function detectLanguage(text: string): string {
  for (const [label, re] of SCRIPTS) if (re.test(text)) return label;
  const tokens = wordTokens(text);
  let best = 'latin';
  let bestScore = 0;
  let tie = false;
  for (const [lang, words] of Object.entries(STOPWORDS)) {
    const set = new Set(words);
    let score = 0;
    for (const t of tokens) if (set.has(t)) score++;
    if (score > bestScore) {
      best = lang;
      bestScore = score;
      tie = false;
    } else if (score === bestScore && score > 0) tie = true;
  }
  return bestScore === 0 || tie ? 'latin' : best;
}
