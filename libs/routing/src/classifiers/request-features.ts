/**
 * Request features for routing: a normalised view of a chat request (`RoutingInput`) and a fixed-order numeric
 * feature vector. Request bodies become a `RoutingInput` through their wire format
 * (`formatNamed(name).analysis.routingInput(body)`, or `chatRoutingInput` / `messagesRoutingInput` from
 * @lessllm/formats); only `fromPrompt` lives here. Everything here is regex / counting work over (clipped) text: no
 * tokenizer, no network; a typical prompt takes a few microseconds.
 */

// The input's shape is the router's wire contract (gateway → router over NATS), so it lives in @lessllm/shared.
import type { RoutingInput, RoutingMessage, RoutingRole } from '@lessllm/shared';
export type { RoutingInput, RoutingMessage, RoutingRole };

/**
 * Bumped whenever a feature is added, removed, reordered or its definition changes: a weights file trained on an
 * older feature set is rejected (see trained-classifier.ts) instead of silently scoring garbage.
 */
export const FEATURE_SET_VERSION = 'request-features/1';

/** Feature order of the vector returned by `extractFeatures`. */
export const FEATURE_NAMES = [
  /** ln(1 + characters of the last user turn). */
  'len_last',
  /** ln(1 + characters of the whole conversation, system prompt included). */
  'len_total',
  /** Earlier user turns (conversation depth), capped at 8. */
  'turns',
  /** 1 when the last user turn contains a fenced code block. */
  'code_fence',
  /** Saturated count of programming vocabulary (language names, "function", "algorithm", "debug", ...). */
  'code_terms',
  /** Saturated count of code syntax (def/return/import, `foo()`, `=>`, `;` line ends, braces, operators). */
  'code_syntax',
  /** Saturated count of maths vocabulary (equation, integral, probability, triangle, ...). */
  'math_terms',
  /** Saturated count of arithmetic / equations / LaTeX / maths symbols (plain numbers count a quarter). */
  'math_symbols',
  /** Saturated count of multi-step reasoning cues ("step by step", "prove", "why", puzzles, "how many", if-then). */
  'reasoning',
  /** Saturated count of explicit constraints ("must", "exactly", "at least", "in 3 sentences", list items). */
  'constraints',
  /**
   * Saturated count of writing / rewriting / role-play cues (write, rewrite, poem, email, pretend, ...), damped by
   * code and maths vocabulary in the same turn: "write a Python function" is a coding request, not a writing one.
   */
  'writing',
  /** 1 when the last user turn opens with a greeting / small talk. */
  'chitchat',
  /** Code signals anywhere earlier in the conversation (earlier turns, assistant answers, system prompt). */
  'ctx_code',
  /** Maths signals earlier in the conversation. */
  'ctx_math',
  /** Reasoning cues earlier in the conversation. */
  'ctx_reasoning',
  /** 1 when tools were offered. */
  'tools',
  /** 1 when JSON output was requested through the API. */
  'json_output',
  /** log2(max_tokens / 1024) clipped to [-4, 4]; 0 when unset. */
  'max_tokens',
  /** Share of the last user turn's letters that are not Latin script (CJK, Cyrillic, Arabic, ...). */
  'non_latin',
] as const;

export type FeatureName = (typeof FEATURE_NAMES)[number];

export const FEATURE_COUNT = FEATURE_NAMES.length;

const INDEX = Object.fromEntries(FEATURE_NAMES.map((n, i) => [n, i])) as Record<FeatureName, number>;

/** Index of a feature in the vector. */
export function featureIndex(name: FeatureName): number {
  return INDEX[name];
}

/** The vector as a name → value record (for logs, reasons and tests). */
export function namedFeatures(vector: ArrayLike<number>): Record<FeatureName, number> {
  const out = {} as Record<FeatureName, number>;
  for (let i = 0; i < FEATURE_COUNT; i++) out[FEATURE_NAMES[i]] = vector[i];
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Inputs
// ---------------------------------------------------------------------------------------------------------------

/** A single-turn input from a bare prompt. */
export function fromPrompt(prompt: string, options: Partial<Omit<RoutingInput, 'messages'>> = {}): RoutingInput {
  return {
    messages: [{ role: 'user', text: prompt }],
    tools: options.tools ?? false,
    jsonOutput: options.jsonOutput ?? false,
    maxTokens: options.maxTokens ?? null,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Feature extraction
// ---------------------------------------------------------------------------------------------------------------

/**
 * Texts longer than SCAN_HEAD + SCAN_TAIL are scanned as head + tail only, and earlier turns as their last SCAN_HEAD
 * characters (lengths still count in full): the counts saturate long before, and scanning stays bounded (~0.1 µs
 * per character).
 */
const SCAN_HEAD = 3000;
const SCAN_TAIL = 1000;

function clip(text: string): string {
  return text.length <= SCAN_HEAD + SCAN_TAIL ? text : `${text.slice(0, SCAN_HEAD)}\n${text.slice(-SCAN_TAIL)}`;
}

/** 1 - e^(-n/k): 0 for none, ~0.63 at k matches, approaching 1. */
const sat = (n: number, k: number): number => 1 - Math.exp(-n / k);

function count(re: RegExp, s: string): number {
  re.lastIndex = 0;
  let n = 0;
  while (re.exec(s) !== null) n++;
  return n;
}

// Every alternative starts with a word character, so a leading \b means "not preceded by a word character" (and is
// much cheaper for V8 than a lookbehind at every position).
const w = (alternatives: string): RegExp => new RegExp(`\\b(?:${alternatives})(?![\\w])`, 'g');

const CODE_FENCE = /```|~~~/;
const CODE_TERMS = w(
  [
    'python',
    'javascript',
    'typescript',
    'java',
    'c\\+\\+',
    'c#',
    'golang',
    'rust',
    'kotlin',
    'ruby',
    'php',
    'scala',
    'haskell',
    'sql',
    'regex',
    'regular expressions?',
    'bash',
    'shell',
    'powershell',
    'html',
    'css',
    'react',
    'node(?:\\.js)?',
    'apis?',
    'endpoints?',
    'functions?',
    'methods?',
    'algorithms?',
    'implement(?:ation|ed|s)?',
    'compil(?:e|er|ed|ing|ation)',
    'debug(?:ging)?',
    'bugs?',
    'stack ?trace',
    'exceptions?',
    'segfault',
    '(?:runtime|syntax|type) error',
    'refactor(?:ing)?',
    'unit tests?',
    'code',
    'coding',
    'program(?:s|ming)?',
    'snippet',
    'database',
    'arrays?',
    'linked lists?',
    'binary (?:tree|search)',
    'hash ?(?:map|table)',
    'recursion',
    'recursive',
    'time complexity',
    'big-?o',
    'data structures?',
    'git',
    'docker',
    'kubernetes',
    'dataframe',
    'pandas',
    'numpy',
    'pointers?',
    'async',
    'compiler',
  ].join('|'),
);
const CODE_SYNTAX =
  /\bdef \w+\(|\breturn\b[^.\n]{0,40}[;)\]]|\bimport [\w.]+|#include|\bconsole\.log|\bprint\(|=>|\bfn \w+|\b(?:let|const|var) \w+ ?=|\b(?:for|while|if|switch) ?\(|\bselect\b[^.;]{1,80}?\bfrom\b|\bpublic (?:static )?\w+|\(\)(?<=\w\(\))|\.\w+\((?<=\w\.\w+\()|[{};]\s*$|==|!=|&&|\|\||::|->/gm;
const CODE_SYMBOLS = /[{}[\];=<>|&]/g;

const MATH_TERMS = w(
  [
    'equations?',
    'solve',
    'solving',
    'integrals?',
    'integrate',
    'derivatives?',
    'differentiate',
    'probabilit(?:y|ies)',
    'primes?',
    'polynomials?',
    'matrix',
    'matrices',
    'vectors?',
    'theorem',
    'lemma',
    'geometry',
    'triangles?',
    'circles?',
    'radius',
    'diameter',
    'area',
    'volume',
    'perimeter',
    'angles?',
    'hypotenuse',
    'percent(?:age)?',
    'ratio',
    'average',
    'median',
    'variance',
    'standard deviation',
    'expected value',
    'logarithms?',
    'exponents?',
    'square roots?',
    'sqrt',
    'fractions?',
    'divisible',
    'remainder',
    'modulo',
    'integers?',
    'digits?',
    'calculate',
    'compute',
    'arithmetic',
    'algebra',
    'calculus',
    'infinity',
    'sum of',
    'product of',
    'factorial',
    'permutations?',
    'combinations?',
    'combinatorics',
    'odds',
    'dice',
    'coins?',
    'compound interest',
    'interest rate',
    'inequalit(?:y|ies)',
    'real numbers?',
  ].join('|'),
);
const MATH_OPS =
  /\d\s*[-+*/^×÷]\s*\d|\b\d*[a-z] [-+*/] \d|[a-z\d)]\s*(?:=|<=|>=|[<>≤≥])\s*[-a-z\d(]|\b[a-z]\^\d|\\(?:frac|sqrt|sum|int|alpha|beta|pi|cdot|times|leq|geq|lim)\b|[∑∫√π∞≈≠±∂∆]|\$[^$\n]{1,80}\$|\b[a-z]\([a-z\d]\)/g;
const NUMBERS = /\d+(?:[.,]\d+)*/g;

const REASONING = w(
  [
    'step[- ]by[- ]step',
    'prove',
    'proof',
    'why',
    'explain (?:your|the) reasoning',
    'reason(?:ing)?',
    'justify',
    'logic(?:al|ally)?',
    'puzzles?',
    'riddles?',
    'brain ?teasers?',
    'how many',
    'deduce',
    'infer',
    'conclude',
    'suppose',
    'assum(?:e|ing)',
    'hypothetical',
    'true or false',
    'which of the following',
    'contradiction',
    'paradox',
    'think carefully',
    'trick question',
    'if\\b[^.?!\\n]{1,80}?\\bthen',
    'determine',
    'figure out',
    'in what order',
    '(?:who|which) (?:is|was|one is) (?:the )?(?:older|oldest|younger|youngest|taller|tallest|shorter|shortest|heavier|heaviest|lighter|lightest|faster|fastest)',
    'next number',
  ].join('|'),
);

const CONSTRAINTS = w(
  [
    'must',
    'should',
    'exactly',
    'at (?:least|most)',
    'no more than',
    'fewer than',
    'less than',
    'more than',
    'only',
    'do not',
    "don't",
    'without',
    'make sure',
    'ensure',
    'each',
    'every',
    'limit(?:ed)? to',
    'in (?:\\d+|one|two|three|four|five|ten) (?:words|sentences|paragraphs|lines|bullet points)',
    'format',
    'start (?:each|every|with)',
    'end with',
    'include',
    'avoid',
  ].join('|'),
);
const LIST_ITEM = /^\s*(?:[-*•]|\d+[.)])\s+/gm;

const WRITING = w(
  [
    'write',
    'compose',
    'draft',
    'rewrite',
    'rephrase',
    'paraphrase',
    'summari[sz]e',
    'summary',
    'translate',
    'proofread',
    'edit',
    'polish',
    'brainstorm',
    'slogan',
    'tagline',
    'poems?',
    'poetry',
    'haiku',
    'limerick',
    'sonnet',
    'songs?',
    'lyrics',
    'story',
    'stories',
    'essay',
    'e-?mails?',
    'letter',
    'blog',
    'tweet',
    'caption',
    'speech',
    'toast',
    'dialogue',
    'pretend',
    'imagine',
    'act as',
    'role-?play',
    'persona',
    'persuasive',
    'tone',
    'describe',
    'outline',
    'headline',
    'catchy',
    'creative',
  ].join('|'),
);

const CHITCHAT =
  /^(?:hi|hello|hey|yo|thanks|thank you|good (?:morning|evening|night|afternoon)|how are you|how's it going|what'?s up|lol|ok(?:ay)?|cool|nice|bye|goodbye|who are you|what(?:'s| is) your name|tell me a joke)(?![\w])/;

const NON_ASCII = /\P{ASCII}/u;
/** Letters other than A-Z / a-z (the only ASCII letters). */
const NON_ASCII_LETTER = /[^\P{L}A-Za-z]/gu;
const NON_LATIN_LETTER = /[^\P{L}\p{Script=Latin}]/gu;

interface ContextSignals {
  code: number;
  math: number;
  reasoning: number;
}

function codeSyntaxCount(s: string): number {
  return count(CODE_SYNTAX, s) + count(CODE_SYMBOLS, s) / 8;
}

function mathSymbolCount(s: string): number {
  return count(MATH_OPS, s) + count(NUMBERS, s) / 4;
}

function contextSignals(lower: string): ContextSignals {
  if (!lower) return { code: 0, math: 0, reasoning: 0 };
  const fence = CODE_FENCE.test(lower) ? 1 : 0;
  return {
    code: sat(2 * fence + count(CODE_TERMS, lower) + codeSyntaxCount(lower) / 3, 2),
    math: sat(count(MATH_TERMS, lower) + mathSymbolCount(lower) / 3, 2),
    reasoning: sat(count(REASONING, lower), 2),
  };
}

function nonLatinShare(text: string): number {
  if (!NON_ASCII.test(text)) return 0; // plain ASCII: no non-Latin letters, skip the counting
  let letters = count(NON_ASCII_LETTER, text);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i) | 32;
    if (c >= 97 && c <= 122) letters++;
  }
  return letters === 0 ? 0 : count(NON_LATIN_LETTER, text) / letters;
}

/** The feature vector (order: FEATURE_NAMES) of a request. */
export function extractFeatures(input: RoutingInput): Float64Array {
  const x = new Float64Array(FEATURE_COUNT);
  const msgs = input.messages;
  let lastUser = -1;
  let userTurns = 0;
  let total = 0;
  for (let i = 0; i < msgs.length; i++) {
    total += msgs[i].text.length;
    if (msgs[i].role === 'user') {
      lastUser = i;
      userTurns++;
    }
  }
  const last = lastUser >= 0 ? msgs[lastUser].text : '';
  const lower = clip(last).toLowerCase();

  x[INDEX.len_last] = Math.log1p(last.length);
  x[INDEX.len_total] = Math.log1p(total);
  x[INDEX.turns] = Math.min(8, Math.max(0, userTurns - 1));
  x[INDEX.code_fence] = CODE_FENCE.test(lower) ? 1 : 0;
  const codeTerms = count(CODE_TERMS, lower);
  const mathTerms = count(MATH_TERMS, lower);
  x[INDEX.code_terms] = sat(codeTerms, 1);
  x[INDEX.code_syntax] = sat(codeSyntaxCount(lower), 3);
  x[INDEX.math_terms] = sat(mathTerms, 1.5);
  x[INDEX.math_symbols] = sat(mathSymbolCount(lower), 3);
  x[INDEX.reasoning] = sat(count(REASONING, lower), 1.5);
  x[INDEX.constraints] = sat(count(CONSTRAINTS, lower) + count(LIST_ITEM, lower), 3);
  x[INDEX.writing] = sat(count(WRITING, lower), 1) * (1 - sat(codeTerms + mathTerms, 1));
  x[INDEX.chitchat] = CHITCHAT.test(lower.trimStart()) ? 1 : 0;

  // Everything before the last user turn (and any tool output after it), newest last, clipped to its tail.
  let earlier = '';
  for (let i = msgs.length - 1; i >= 0 && earlier.length < SCAN_HEAD; i--) {
    if (i !== lastUser && msgs[i].text) earlier = `${msgs[i].text}\n${earlier}`;
  }
  const ctx = contextSignals(earlier.slice(-SCAN_HEAD).toLowerCase());
  x[INDEX.ctx_code] = ctx.code;
  x[INDEX.ctx_math] = ctx.math;
  x[INDEX.ctx_reasoning] = ctx.reasoning;

  x[INDEX.tools] = input.tools ? 1 : 0;
  x[INDEX.json_output] = input.jsonOutput ? 1 : 0;
  x[INDEX.max_tokens] =
    input.maxTokens !== null && input.maxTokens > 0 ? Math.max(-4, Math.min(4, Math.log2(input.maxTokens / 1024))) : 0;
  x[INDEX.non_latin] = nonLatinShare(lower);
  return x;
}
