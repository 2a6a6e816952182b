import { StoreQueryError } from './store-query-error';

/**
 * First line of defence for users' SQL: a small ClickHouse-aware scanner (strings, quoted identifiers,
 * heredocs, nested block comments, `--` and `# ` comments) so that `;` or keywords inside literals and
 * comments are not mistaken for code. The engine's readonly mode is the second line (see read-only-settings.ts).
 */

type TokenKind = 'word' | 'literal' | 'symbol';

interface Token {
  kind: TokenKind;
  /** Upper-cased for words, the character for symbols, '' for literals. */
  text: string;
  start: number;
}

const MAX_SQL_CHARS = 100_000;
const HEREDOC_TAG = /^\$[A-Za-z0-9_]*\$/;

/** Statement keywords that never belong in a read-only query (`WITH x AS (...) INSERT ...` is valid ClickHouse). */
const WRITE_KEYWORDS = new Set([
  'INSERT',
  'DELETE',
  'UPDATE',
  'ALTER',
  'DROP',
  'CREATE',
  'TRUNCATE',
  'RENAME',
  'ATTACH',
  'DETACH',
  'OPTIMIZE',
  'EXCHANGE',
  'UNDROP',
  'GRANT',
  'REVOKE',
  'KILL',
]);

function invalid(message: string): StoreQueryError {
  return new StoreQueryError(message, 'invalid_sql');
}

function isWordChar(c: string): boolean {
  return /[A-Za-z0-9_]/.test(c);
}

/** Index just past the closing quote; backslash escapes and doubled quotes are both ClickHouse escapes. */
function skipQuoted(sql: string, start: number): number {
  const quote = sql[start];
  let i = start + 1;
  while (i < sql.length) {
    const c = sql[i];
    if (c === '\\') i += 2;
    else if (c === quote && sql[i + 1] === quote) i += 2;
    else if (c === quote) return i + 1;
    else i += 1;
  }
  throw invalid(quote === "'" ? 'unterminated string literal' : `unterminated quoted identifier (${quote})`);
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
  throw invalid('unterminated /* comment');
}

function skipLine(sql: string, start: number): number {
  const end = sql.indexOf('\n', start);
  return end === -1 ? sql.length : end + 1;
}

function tokenize(sql: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < sql.length) {
    const c = sql[i];
    const next = sql[i + 1];
    if (/\s/.test(c)) i += 1;
    else if (c === '-' && next === '-') i = skipLine(sql, i);
    else if (c === '#' && (next === ' ' || next === '!')) i = skipLine(sql, i);
    else if (c === '/' && next === '*') i = skipBlockComment(sql, i);
    else if (c === "'" || c === '"' || c === '`') {
      tokens.push({ kind: 'literal', text: '', start: i });
      i = skipQuoted(sql, i);
    } else if (c === '$' && HEREDOC_TAG.test(sql.slice(i))) {
      // Heredoc string: $tag$ ... $tag$
      const tag = HEREDOC_TAG.exec(sql.slice(i))?.[0] ?? '$$';
      const close = sql.indexOf(tag, i + tag.length);
      if (close === -1) throw invalid('unterminated heredoc string literal');
      tokens.push({ kind: 'literal', text: '', start: i });
      i = close + tag.length;
    } else if (isWordChar(c)) {
      let end = i + 1;
      while (end < sql.length && isWordChar(sql[end])) end += 1;
      tokens.push({ kind: 'word', text: sql.slice(i, end).toUpperCase(), start: i });
      i = end;
    } else {
      tokens.push({ kind: 'symbol', text: c, start: i });
      i += 1;
    }
  }
  return tokens;
}

function checkClauses(tokens: Token[]): void {
  tokens.forEach((token, index) => {
    if (token.kind !== 'word') return;
    const prev = tokens[index - 1];
    const next = tokens[index + 1];
    // `system.settings`, `t.format`: a qualified name, not a clause.
    if (prev?.text === '.') return;
    const isCall = next?.text === '(';
    if (token.text === 'SETTINGS') {
      throw invalid('SETTINGS clauses are not allowed: LessLLM sets the query settings (readonly, limits) itself');
    }
    if (token.text === 'FORMAT' && !isCall) {
      throw invalid('FORMAT clauses are not allowed: the output format is chosen by the API (query or export format)');
    }
    if (token.text === 'OUTFILE') {
      throw invalid('INTO OUTFILE is not allowed: use the export API to write a file');
    }
    if (WRITE_KEYWORDS.has(token.text) && !isCall) {
      throw invalid(`${token.text} is not allowed: only read-only SELECT or WITH queries can run here`);
    }
  });
}

/**
 * Validates a user's read-only query and returns it without a trailing `;`. Throws StoreQueryError
 * (kind 'invalid_sql') with a message naming the problem.
 */
export function validateReadOnlySql(sql: string): string {
  if (sql.length > MAX_SQL_CHARS) throw invalid(`the query is too long (more than ${MAX_SQL_CHARS} characters)`);
  const tokens = tokenize(sql);
  if (tokens.length === 0) throw invalid('the query is empty');

  const semicolon = tokens.findIndex((t) => t.text === ';');
  if (semicolon !== -1 && semicolon < tokens.length - 1) {
    throw invalid('only one SELECT or WITH statement is allowed (remove everything after the ";")');
  }
  const statement = semicolon === -1 ? tokens : tokens.slice(0, semicolon);
  if (statement.length === 0) throw invalid('the query is empty');

  const first = statement.find((t) => t.text !== '(');
  if (first?.kind !== 'word' || (first.text !== 'SELECT' && first.text !== 'WITH')) {
    throw invalid('the query must start with SELECT or WITH (read-only queries only)');
  }
  checkClauses(statement);

  const text = semicolon === -1 ? sql : sql.slice(0, tokens[semicolon].start);
  return text.trimEnd();
}
