import { invalidSql, tokenize, type Token } from './sql-lexer';
import { checkReferences, type SandboxOptions } from './sql-references';

/**
 * The validator for users' read-only SQL: one SELECT/WITH statement, no clause that changes settings, output or
 * data, and (sql-references.ts) only the allowed tables and no function that reaches outside them. The engine's
 * readonly mode, limits and, on a server, the query user's grants are the second line (read-only-settings.ts,
 * deploy/compose/clickhouse-users.xml). read-only-queries.ts runs this twice: on the user's text and on
 * ClickHouse's own re-formatting of it, which is what runs.
 */

const MAX_SQL_CHARS = 100_000;

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

/** Statements ClickHouse also accepts as subqueries (`SELECT * FROM (EXPLAIN ...)`) or that switch users. */
const OTHER_STATEMENTS = new Set(['EXPLAIN', 'DESCRIBE', 'SHOW', 'EXECUTE', 'SYSTEM', 'BACKUP', 'RESTORE']);

function checkClauses(tokens: Token[]): void {
  tokens.forEach((token, index) => {
    if (token.kind !== 'word') return;
    const prev = tokens[index - 1];
    const next = tokens[index + 1];
    // `system.settings`, `t.format`: a qualified name, not a clause.
    if (prev?.text === '.' || next?.text === '.') return;
    const isCall = next?.text === '(';
    if (token.text === 'SETTINGS') {
      throw invalidSql('SETTINGS clauses are not allowed: LessLLM sets the query settings (readonly, limits) itself');
    }
    if (token.text === 'FORMAT' && !isCall) {
      throw invalidSql(
        'FORMAT clauses are not allowed: the output format is chosen by the API (query or export format)',
      );
    }
    if (token.text === 'OUTFILE') {
      throw invalidSql('INTO OUTFILE is not allowed: use the export API to write a file');
    }
    if ((WRITE_KEYWORDS.has(token.text) || OTHER_STATEMENTS.has(token.text)) && !isCall) {
      throw invalidSql(`${token.text} is not allowed: only read-only SELECT or WITH queries can run here`);
    }
  });
}

/**
 * Validates a user's read-only query and returns it without a trailing `;`. Throws StoreQueryError
 * (kind 'invalid_sql') with a message naming the problem.
 */
export function validateReadOnlySql(sql: string, options: Partial<SandboxOptions> = {}): string {
  if (sql.length > MAX_SQL_CHARS) throw invalidSql(`the query is too long (more than ${MAX_SQL_CHARS} characters)`);
  const tokens = tokenize(sql);
  if (tokens.length === 0) throw invalidSql('the query is empty');

  const semicolon = tokens.findIndex((t) => t.kind === 'symbol' && t.text === ';');
  if (semicolon !== -1 && semicolon < tokens.length - 1) {
    throw invalidSql('only one SELECT or WITH statement is allowed (remove everything after the ";")');
  }
  const statement = semicolon === -1 ? tokens : tokens.slice(0, semicolon);
  if (statement.length === 0) throw invalidSql('the query is empty');

  const first = statement.find((t) => t.text !== '(');
  if (first?.kind !== 'word' || (first.text !== 'SELECT' && first.text !== 'WITH')) {
    throw invalidSql('the query must start with SELECT or WITH (read-only queries only)');
  }
  checkClauses(statement);
  checkReferences(statement, { database: options.database ?? 'default' });

  const text = semicolon === -1 ? sql : sql.slice(0, tokens[semicolon].start);
  return text.trimEnd();
}
