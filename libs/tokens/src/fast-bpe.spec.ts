import type { TiktokenBPE } from 'js-tiktoken/lite';
import { Tiktoken } from 'js-tiktoken/lite';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { getEncoder } from './encodings';

const req = createRequire(__filename);
const reference = {
  o200k_base: new Tiktoken(req('js-tiktoken/ranks/o200k_base') as TiktokenBPE),
  cl100k_base: new Tiktoken(req('js-tiktoken/ranks/cl100k_base') as TiktokenBPE),
};

const SAMPLES = [
  '',
  'Hello, world!',
  "The quick brown fox jumps over the lazy dog. It's 2026; prices: $0.0063 (≈ 6.3e-3).",
  '我们今天讨论的是大型语言模型网关的设计与实现，以及如何降低成本、提高缓存命中率。',
  'Привет, как дела? Ünïcödé façade — naïve café 🎉🚀 👩‍👩‍👧',
  'function foo(a, b) {\n\treturn a.map((x) => x * b).filter(Boolean);\n}\n\n\n   indented',
  '{"location":"San Francisco, CA","unit":"celsius","nested":{"a":[1,2,3]}}',
  'special <|endoftext|> and <|im_start|>system<|im_end|> text',
  'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
  'ZXhhbXBsZSBiYXNlNjQgZGF0YSB0aGF0IGxvb2tzIGxpa2UgYW4gaW1hZ2U=',
  '1234567890 3.14159 0x1F 1e10',
];

describe('FastBpeEncoder', () => {
  for (const name of ['o200k_base', 'cl100k_base'] as const) {
    it(`gives the same ids as js-tiktoken (${name})`, () => {
      const fast = getEncoder(name);
      for (const text of SAMPLES) expect(fast.encode(text), text).toEqual(reference[name].encode(text, [], []));
    });
  }

  it('matches js-tiktoken on random mixed-script text', () => {
    const alphabet = [
      'a',
      'e',
      'th',
      ' ',
      '  ',
      '\n',
      '.',
      ',',
      '!',
      '的',
      '是',
      'я',
      'ü',
      '🙂',
      '1',
      '23',
      '-',
      '"',
      "'s",
      'A',
      'Z',
    ];
    let seed = 42;
    const rand = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
    const fast = getEncoder('o200k_base');
    for (let n = 0; n < 300; n++) {
      let text = '';
      const len = Math.floor(rand() * 120);
      for (let i = 0; i < len; i++) text += alphabet[Math.floor(rand() * alphabet.length)];
      expect(fast.encode(text), JSON.stringify(text)).toEqual(reference.o200k_base.encode(text, [], []));
    }
  });
});
