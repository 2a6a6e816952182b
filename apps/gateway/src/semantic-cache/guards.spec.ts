import { describe, expect, it } from 'vitest';
import { checkGuards, codeSignature, hasNegation, numberSignature } from './guards';
import { detectLanguage } from './language';

describe('guards', () => {
  it('pass for surface variants of the same question', () => {
    expect(checkGuards('What is 15% of 240?', 'what is 15% of 240')).toEqual({ ok: true });
    expect(checkGuards('Why does `git rebase -i` open an editor?', 'why does `git rebase -i` open an editor')).toEqual({
      ok: true,
    });
  });

  it('numbers: multisets must be identical (digits and number words)', () => {
    expect(checkGuards('What is 15% of 240?', 'What is 15% of 250?')).toEqual({ ok: false, guard: 'numbers' });
    expect(checkGuards('Give me two reasons', 'Give me three reasons')).toEqual({ ok: false, guard: 'numbers' });
    expect(checkGuards('add 1 and 2', 'add 2 and 1')).toEqual({ ok: true });
    expect(numberSignature('1,000 items and 2.5 kg')).toEqual(['1000', '2.5']);
  });

  it('negation: presence must match', () => {
    expect(checkGuards('Which animals can swim?', 'Which animals cannot swim?')).toEqual({
      ok: false,
      guard: 'negation',
    });
    expect(checkGuards('Why does my code compile?', "Why doesn't my code compile?")).toEqual({
      ok: false,
      guard: 'negation',
    });
    expect(hasNegation('a pasta recipe without cheese')).toBe(true);
    expect(hasNegation('a pasta recipe with cheese')).toBe(false);
  });

  it('code: blocks, inline code and identifiers must be identical', () => {
    expect(
      checkGuards('What does `Array.prototype.map` return?', 'What does `Array.prototype.filter` return?'),
    ).toEqual({ ok: false, guard: 'code' });
    expect(checkGuards('Why is getUserById null?', 'Why is getUserByEmail null?')).toEqual({
      ok: false,
      guard: 'code',
    });
    expect(checkGuards('Fix:\n```py\nprint(a)\n```', 'Fix:\n```py\nprint(b)\n```')).toEqual({
      ok: false,
      guard: 'code',
    });
    expect(codeSignature('plain words only')).toEqual([]);
  });

  it('language: detected language must match', () => {
    expect(checkGuards('What is the capital of France?', 'Qual è la capitale della Francia?')).toEqual({
      ok: false,
      guard: 'language',
    });
    expect(detectLanguage('¿Cuál es la capital de Francia?')).toBe('es');
    expect(detectLanguage('東京の人口は何人ですか')).toBe('ja');
    expect(detectLanguage('Что такое машинное обучение?')).toBe('cyrillic');
    expect(detectLanguage('What is the capital of France?')).toBe('en');
  });
});
