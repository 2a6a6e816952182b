import { StoreQueryError } from './store-query-error';

/**
 * A ClickHouse-aware scanner for users' SQL: strings with both escape styles, quoted identifiers (decoded, so
 * `` `fi\x6ce` `` is seen as `file`), heredocs, nested block comments, `--` and `# ` comments. `;` or keywords
 * inside literals and comments are never mistaken for code.
 */

export type TokenKind =
  /** A bare word: keyword, identifier or number (ClickHouse also lexes `1file` as one identifier). */
  | 'word'
  /** A `backquoted` or "double-quoted" identifier. */
  | 'quoted'
  /** A 'string' or $heredoc$ literal. */
  | 'string'
  | 'symbol';

export interface Token {
  kind: TokenKind;
  /** Upper-cased for words (keyword comparisons), the character for symbols, '' for strings and quoted names. */
  text: string;
  /** The identifier as ClickHouse resolves it: the word as written, or the quoted identifier decoded. */
  value: string;
  start: number;
}

const HEREDOC_TAG = /^\$[A-Za-z0-9_]*\$/;

/** ClickHouse's escapes in quoted identifiers and strings (parseComplexEscapeSequence). */
const ESCAPES: Record<string, string> = {
  a: '\x07',
  b: '\b',
  e: '\x1b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  '0': '\0',
};

export function invalidSql(message: string): StoreQueryError {
  return new StoreQueryError(message, 'invalid_sql');
}

function isWordChar(c: string): boolean {
  return /[A-Za-z0-9_]/.test(c);
}

/** Reads a quoted span; returns its decoded content and the index just past the closing quote. */
function readQuoted(sql: string, start: number): { value: string; end: number } {
  const quote = sql[start];
  let value = '';
  let i = start + 1;
  while (i < sql.length) {
    const c = sql[i];
    if (c === '\\') {
      const next = sql[i + 1] ?? '';
      if ((next === 'x' || next === 'X') && /^[0-9A-Fa-f]{2}$/.test(sql.slice(i + 2, i + 4))) {
        value += String.fromCharCode(parseInt(sql.slice(i + 2, i + 4), 16));
        i += 4;
      } else {
        value += ESCAPES[next] ?? next;
        i += 2;
      }
    } else if (c === quote && sql[i + 1] === quote) {
      value += quote;
      i += 2;
    } else if (c === quote) {
      return { value, end: i + 1 };
    } else {
      value += c;
      i += 1;
    }
  }
  throw invalidSql(quote === "'" ? 'unterminated string literal' : `unterminated quoted identifier (${quote})`);
}

/** ClickHouse block comments nest: `/* a /* b *\/ c *\/` is one comment. */
function skipBlockComment(sql: string, start: number): number {
  let depth = 0;
  let i = start;
  while (i < sql.length) {
    if (sql.startsWith('/*', i)) {
      depth += 1;
      i += 2;
    } else if (sql.startsWith('*/', i)) {
      depth -= 1;
      i += 2;
      if (depth === 0) return i;
    } else i += 1;
  }
  throw invalidSql('unterminated /* comment');
}

function skipLine(sql: string, start: number): number {
  const end = sql.indexOf('\n', start);
  return end === -1 ? sql.length : end + 1;
}

export function tokenize(sql: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < sql.length) {
    const c = sql[i];
    const next = sql[i + 1];
    if (/\s/.test(c)) i += 1;
    else if (c === '-' && next === '-') i = skipLine(sql, i);
    else if (c === '#' && (next === ' ' || next === '!')) i = skipLine(sql, i);
    else if (c === '/' && next === '*') i = skipBlockComment(sql, i);
    else if (c === "'") {
      const { end } = readQuoted(sql, i);
      tokens.push({ kind: 'string', text: '', value: '', start: i });
      i = end;
    } else if (c === '"' || c === '`') {
      const { value, end } = readQuoted(sql, i);
      tokens.push({ kind: 'quoted', text: '', value, start: i });
      i = end;
    } else if (c === '$' && HEREDOC_TAG.test(sql.slice(i, i + 256))) {
      const tag = HEREDOC_TAG.exec(sql.slice(i, i + 256))?.[0] ?? '$$';
      const close = sql.indexOf(tag, i + tag.length);
      if (close === -1) throw invalidSql('unterminated heredoc string literal');
      tokens.push({ kind: 'string', text: '', value: '', start: i });
      i = close + tag.length;
    } else if (isWordChar(c)) {
      let end = i + 1;
      while (end < sql.length && isWordChar(sql[end])) end += 1;
      // 1.5, 2.5e3: one number, not the qualified name `1`.`5`.
      if (/\d/.test(c) && sql[end] === '.' && /\d/.test(sql[end + 1] ?? '')) {
        end += 1;
        while (end < sql.length && isWordChar(sql[end])) end += 1;
      }
      const word = sql.slice(i, end);
      tokens.push({ kind: 'word', text: word.toUpperCase(), value: word, start: i });
      i = end;
    } else {
      tokens.push({ kind: 'symbol', text: c, value: c, start: i });
      i += 1;
    }
  }
  return tokens;
}

/** A word or quoted identifier: something ClickHouse may resolve as a name. */
export function isName(token: Token | undefined): token is Token {
  return token?.kind === 'word' || token?.kind === 'quoted';
}

/** Index of the matching `)` for every `(` (and -1 for unbalanced ones, which ClickHouse refuses anyway). */
export function matchParens(tokens: readonly Token[]): number[] {
  const match = new Array<number>(tokens.length).fill(-1);
  const open: number[] = [];
  tokens.forEach((token, index) => {
    if (token.text === '(' && token.kind === 'symbol') open.push(index);
    else if (token.text === ')' && token.kind === 'symbol') {
      const start = open.pop();
      if (start === undefined) throw invalidSql('unbalanced ")"');
      match[start] = index;
      match[index] = start;
    }
  });
  if (open.length > 0) throw invalidSql('unbalanced "(": a parenthesis is not closed');
  return match;
}
