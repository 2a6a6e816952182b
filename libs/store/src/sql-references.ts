import { invalidSql, isName, matchParens, type Token } from './sql-lexer';
import {
  deniedFunction,
  isSafeTableFunction,
  QUERYABLE_TABLES,
  readableTables,
  SAFE_SYSTEM_TABLES,
} from './sql-sandbox-policy';

/**
 * Checks every name a query reads: each table after FROM, JOIN, a comma in a FROM list or IN (CTE names only
 * where ClickHouse would resolve them to the CTE), every function call (`name(`, `` `name`( ``, `APPLY name`)
 * and every table function. When unsure it refuses: a refusal costs a rewrite, an acceptance could leak.
 */

export interface SandboxOptions {
  /** The store's database: `<database>.api_calls` is the same table as `api_calls`. */
  database: string;
}

type FromMode = 'none' | 'from' | 'array-join' | 'using';

interface Level {
  /** A SELECT appears directly in this parenthesis level (or at top level): FROM here is a FROM clause. */
  isQuery: boolean;
  ctes: Set<string>;
  recursive: boolean;
  mode: FromMode;
}

/** Keywords after which a FROM list ends. */
const END_OF_FROM = new Set([
  'WHERE',
  'PREWHERE',
  'GROUP',
  'ORDER',
  'HAVING',
  'LIMIT',
  'QUALIFY',
  'WINDOW',
  'UNION',
  'EXCEPT',
  'INTERSECT',
  'SELECT',
  'SETTINGS',
  'FORMAT',
  'INTO',
]);

/** Keywords that start an expression: `WHERE in(1, t)` is the function form of IN, `x in (1, 2)` the operator. */
const EXPRESSION_START = new Set([
  'SELECT',
  'WHERE',
  'PREWHERE',
  'HAVING',
  'QUALIFY',
  'AND',
  'OR',
  'XOR',
  'NOT',
  'ON',
  'USING',
  'WHEN',
  'THEN',
  'ELSE',
  'CASE',
  'BY',
  'DISTINCT',
  'ALL',
  'ANY',
  'LIMIT',
  'OFFSET',
  'LIKE',
  'ILIKE',
  'BETWEEN',
  'IN',
  'IS',
  'WITH',
  'FILL',
  'FROM',
  'TO',
  'STEP',
  'INTERVAL',
  'JOIN',
  'ARRAY',
  'EXCEPT',
  'REPLACE',
  'APPLY',
  'OVER',
  'PARTITION',
  'RETURN',
  'AS',
  'TOP',
  'SETTINGS',
]);

/** A bare number (ClickHouse reads `1x` as an identifier, so only these are numbers). */
const NUMBER = /^(\d+(\.\d+)?(e\d*)?|0x[0-9a-f]+|0b[01]+)$/i;

const isSymbol = (token: Token | undefined, text: string): boolean => token?.kind === 'symbol' && token.text === text;
const isWord = (token: Token | undefined, ...words: string[]): boolean =>
  token?.kind === 'word' && words.includes(token.text);

/** True when the token can end an operand (so a following `in (` is the IN operator, not a call). */
function endsOperand(token: Token | undefined): boolean {
  if (!token) return false;
  if (token.kind === 'string' || token.kind === 'quoted') return true;
  if (token.kind === 'symbol') return [')', ']', '}'].includes(token.text);
  return !EXPRESSION_START.has(token.text);
}

/** Which `(` levels contain a SELECT of their own; -1 stands for the top level. */
function queryLevels(tokens: readonly Token[]): Set<number> {
  const levels = new Set<number>();
  const open: number[] = [-1];
  tokens.forEach((token, index) => {
    if (isSymbol(token, '(')) open.push(index);
    else if (isSymbol(token, ')')) open.pop();
    else if (isWord(token, 'SELECT')) levels.add(open[open.length - 1]);
  });
  return levels;
}

class ReferenceChecker {
  private readonly match: number[];
  private readonly queries: Set<number>;
  private readonly levels: Level[] = [];
  /** `(` of table functions already checked as such (not as scalar calls). */
  private readonly tableFunctions = new Set<number>();
  /** CTE names that become visible when the `)` at this index closes their body. */
  private readonly ctesClosingAt = new Map<number, string>();

  constructor(
    private readonly tokens: readonly Token[],
    private readonly options: SandboxOptions,
  ) {
    this.match = matchParens(tokens);
    this.queries = queryLevels(tokens);
  }

  check(): void {
    this.levels.push(this.newLevel(-1));
    this.tokens.forEach((token, index) => this.visit(token, index));
  }

  private newLevel(openIndex: number): Level {
    return { isQuery: this.queries.has(openIndex), ctes: new Set(), recursive: false, mode: 'none' };
  }

  private get level(): Level {
    return this.levels[this.levels.length - 1];
  }

  private visit(token: Token, i: number): void {
    const next = this.tokens[i + 1];
    if (isSymbol(token, '(')) {
      this.levels.push(this.newLevel(i));
      return;
    }
    if (isSymbol(token, ')')) {
      this.levels.pop();
      const cte = this.ctesClosingAt.get(i);
      if (cte !== undefined) this.level.ctes.add(cte);
      return;
    }
    if (isName(token) && isSymbol(next, '(')) this.checkCall(token, i);
    if (isName(token)) this.noteCte(token, i);
    if (token.kind !== 'word' && !isSymbol(token, ',')) return;
    if (isSymbol(this.tokens[i - 1], '.')) return; // `t.from`: a qualified name, not a keyword

    const level = this.level;
    switch (token.text) {
      case 'RECURSIVE':
        level.recursive = true;
        break;
      case 'APPLY':
        this.checkApply(i);
        break;
      case 'FROM':
        if (level.isQuery && !this.isExpressionFrom(i)) {
          this.checkTableExpression(i + 1, 'FROM');
          level.mode = 'from';
        }
        break;
      case 'JOIN':
        if (isWord(this.tokens[i - 1], 'ARRAY')) level.mode = 'array-join';
        else {
          this.checkTableExpression(i + 1, 'JOIN');
          level.mode = 'from';
        }
        break;
      case 'USING':
        if (level.mode === 'from' && !isSymbol(next, '(')) level.mode = 'using';
        break;
      case ',':
        if (level.mode === 'from') this.checkTableExpression(i + 1, 'a comma in FROM');
        break;
      case 'IN':
        this.checkInTarget(i);
        break;
      default:
        if (END_OF_FROM.has(token.text)) level.mode = 'none';
    }
  }

  /** `x IS [NOT] DISTINCT FROM y` and `WITH FILL FROM x` are expressions, not FROM clauses. */
  private isExpressionFrom(i: number): boolean {
    const prev = this.tokens[i - 1];
    if (isWord(prev, 'FILL')) return true;
    return isWord(prev, 'DISTINCT') && isWord(this.tokens[i - 2], 'IS', 'NOT');
  }

  private checkCall(token: Token, i: number): void {
    if (this.tableFunctions.has(i + 1)) return;
    if (token.kind === 'word' && token.text === 'IN' && this.isInOperator(i)) return;
    const why = deniedFunction(token.value);
    if (why) throw invalidSql(`${token.value}() is not allowed: ${why}`);
  }

  /** `x in (...)`, `x not in (...)`, `x global in (...)`: the operator. Anything else is the function `in(a, t)`. */
  private isInOperator(i: number): boolean {
    let j = i - 1;
    while (isWord(this.tokens[j], 'NOT', 'GLOBAL')) j -= 1;
    return endsOperand(this.tokens[j]) && !isSymbol(this.tokens[j], '.');
  }

  /** `* APPLY file`, `COLUMNS('x') APPLY(file)`: the transformer calls the named function on every column. */
  private checkApply(i: number): void {
    const target = isSymbol(this.tokens[i + 1], '(') ? this.tokens[i + 2] : this.tokens[i + 1];
    if (!isName(target)) return;
    const why = deniedFunction(target.value);
    if (why) throw invalidSql(`APPLY ${target.value} is not allowed: ${why}`);
  }

  /** Records `name AS (SELECT ...)` and `name(a, b) AS (SELECT ...)`: a CTE, visible once its body is closed. */
  private noteCte(token: Token, i: number): void {
    let as = i + 1;
    if (isSymbol(this.tokens[as], '(')) as = this.match[as] + 1;
    if (as <= i || !isWord(this.tokens[as], 'AS') || !isSymbol(this.tokens[as + 1], '(')) return;
    const body = this.tokens[as + 2];
    if (!isWord(body, 'SELECT', 'WITH', 'FROM') && !isSymbol(body, '(')) return;
    if (this.level.recursive) this.level.ctes.add(token.value);
    else this.ctesClosingAt.set(this.match[as + 1], token.value);
  }

  private cteVisible(name: string): boolean {
    return this.levels.some((level) => level.ctes.has(name));
  }

  /** What follows FROM, JOIN or a comma in a FROM list: a table, a subquery or an allowed table function. */
  private checkTableExpression(j: number, after: string): void {
    const token = this.tokens[j];
    if (isSymbol(token, '(')) {
      const inner = this.tokens[j + 1];
      if (isWord(inner, 'SELECT', 'WITH', 'FROM') || isSymbol(inner, '(')) return;
      throw invalidSql(`${after} must be followed by a table name or a subquery "(SELECT ...)"`);
    }
    if (!isName(token)) {
      throw invalidSql(
        `${after} must be followed by a table name or a subquery; the query API reads ${readableTables(this.options.database)}`,
      );
    }
    if (isSymbol(this.tokens[j + 1], '.') && isName(this.tokens[j + 2])) {
      if (isSymbol(this.tokens[j + 3], '('))
        throw invalidSql(`${token.value}.${this.tokens[j + 2].value}() is not allowed`);
      this.checkTable(token.value, this.tokens[j + 2].value);
      return;
    }
    if (isSymbol(this.tokens[j + 1], '(')) {
      if (!isSafeTableFunction(token.value)) {
        throw invalidSql(
          `the table function ${token.value}() is not allowed; the query API reads ${readableTables(this.options.database)}`,
        );
      }
      this.tableFunctions.add(j + 1);
      return;
    }
    this.checkTable(undefined, token.value);
  }

  /** The right side of IN: `IN t`, `IN db.t`, `IN (t)` and `IN (db.t)` read table t. */
  private checkInTarget(i: number): void {
    let j = i + 1;
    const parenthesized = isSymbol(this.tokens[j], '(');
    if (parenthesized) j += 1;
    const first = this.tokens[j];
    if (
      !isName(first) ||
      (first.kind === 'word' && (NUMBER.test(first.value) || isWord(first, 'NULL', 'TRUE', 'FALSE')))
    )
      return;
    const qualified = isSymbol(this.tokens[j + 1], '.') && isName(this.tokens[j + 2]);
    const after = this.tokens[j + (qualified ? 3 : 1)];
    if (parenthesized ? !isSymbol(after, ')') : isSymbol(after, '(')) return; // a tuple, an expression or a call
    if (qualified) this.checkTable(first.value, this.tokens[j + 2].value);
    else this.checkTable(undefined, first.value);
  }

  private checkTable(database: string | undefined, name: string): void {
    if (database === undefined) {
      if (this.cteVisible(name) || QUERYABLE_TABLES.includes(name)) return;
    } else if (database === this.options.database && QUERYABLE_TABLES.includes(name)) return;
    else if (database === 'system' && SAFE_SYSTEM_TABLES.includes(name)) return;
    const label = database === undefined ? name : `${database}.${name}`;
    throw invalidSql(`reading ${label} is not allowed: the query API reads ${readableTables(this.options.database)}`);
  }
}

/** Throws StoreQueryError (kind 'invalid_sql') naming the first table or function the sandbox refuses. */
export function checkReferences(tokens: readonly Token[], options: SandboxOptions): void {
  new ReferenceChecker(tokens, options).check();
}
