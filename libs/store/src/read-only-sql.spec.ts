import { describe, expect, it } from 'vitest';
import { validateReadOnlySql } from './read-only-sql';
import { StoreQueryError } from './store-query-error';

function refusal(sql: string): StoreQueryError {
  try {
    validateReadOnlySql(sql);
  } catch (err) {
    if (err instanceof StoreQueryError) return err;
    throw err;
  }
  throw new Error(`accepted: ${sql}`);
}

describe('validateReadOnlySql', () => {
  it.each([
    ['SELECT 1', 'SELECT 1'],
    ['select 1;', 'select 1'],
    ['SELECT 1;  -- done\n', 'SELECT 1'],
    ['SELECT 1 /* ; */', 'SELECT 1 /* ; */'],
    ["SELECT ';DROP TABLE x'", "SELECT ';DROP TABLE x'"],
    ["SELECT 'it''s; fine', 'a\\'; b'", "SELECT 'it''s; fine', 'a\\'; b'"],
    ['SELECT "we;ird", `col;umn` FROM api_calls', 'SELECT "we;ird", `col;umn` FROM api_calls'],
    ['SELECT $$ ; DROP TABLE x $$', 'SELECT $$ ; DROP TABLE x $$'],
    ['SELECT /* outer /* nested ; */ still comment ; */ 1', 'SELECT /* outer /* nested ; */ still comment ; */ 1'],
    ['WITH x AS (SELECT 1) SELECT * FROM x', 'WITH x AS (SELECT 1) SELECT * FROM x'],
    ['(SELECT 1) UNION ALL (SELECT 2)', '(SELECT 1) UNION ALL (SELECT 2)'],
    ['-- who spends most\nSELECT user_id FROM api_calls', '-- who spends most\nSELECT user_id FROM api_calls'],
    ['SELECT 1 -- trailing comment', 'SELECT 1 -- trailing comment'],
    ['SELECT number FROM system.numbers LIMIT 3', 'SELECT number FROM system.numbers LIMIT 3'],
    ['SELECT t.select FROM api_calls AS t', 'SELECT t.select FROM api_calls AS t'],
    ["SELECT format('{} {}', model, user_id) FROM api_calls", "SELECT format('{} {}', model, user_id) FROM api_calls"],
    ['SELECT * REPLACE (1 AS x) FROM api_calls', 'SELECT * REPLACE (1 AS x) FROM api_calls'],
  ])('accepts %j', (sql, expected) => {
    expect(validateReadOnlySql(sql)).toBe(expected);
  });

  it.each([
    ['INSERT INTO api_calls (request_id) VALUES (1)', 'must start with SELECT or WITH'],
    ['DROP TABLE api_calls', 'must start with SELECT or WITH'],
    ['SET readonly = 0', 'must start with SELECT or WITH'],
    ['SHOW TABLES', 'must start with SELECT or WITH'],
    ['SELECT 1; DROP TABLE api_calls', 'only one SELECT or WITH statement is allowed'],
    ['SELECT 1;;', 'only one SELECT or WITH statement is allowed'],
    ['; SELECT 1', 'only one SELECT or WITH statement is allowed'],
    ['SELECT 1 -- \n; DROP TABLE x', 'only one SELECT or WITH statement is allowed'],
    ['SELECT 1 # shell comment\n; DROP TABLE x', 'only one SELECT or WITH statement is allowed'],
    ['SELECT $$ -- $$; DROP TABLE x', 'only one SELECT or WITH statement is allowed'],
    ['SELECT 1 /* a */; /* b */ SELECT 2', 'only one SELECT or WITH statement is allowed'],
    ['SELECT 1 SETTINGS readonly = 0', 'SETTINGS clauses are not allowed'],
    ['SELECT * FROM (SELECT 1 settings max_result_rows = 0)', 'SETTINGS clauses are not allowed'],
    ['SELECT 1 FORMAT CSV', 'FORMAT clauses are not allowed'],
    ["SELECT 1 INTO OUTFILE '/tmp/x.csv'", 'INTO OUTFILE is not allowed'],
    ['WITH x AS (SELECT 1) INSERT INTO api_calls SELECT * FROM x', 'INSERT is not allowed'],
    ['SELECT 1 UNION ALL ALTER TABLE t DELETE WHERE 1', 'ALTER is not allowed'],
    ['', 'the query is empty'],
    ['  -- only a comment\n', 'the query is empty'],
    [';', 'the query is empty'],
    ["SELECT 'unterminated", 'unterminated string literal'],
    ['SELECT 1 /* open', 'unterminated /* comment'],
    ['SELECT "open', 'unterminated quoted identifier'],
    ['SELECT name FROM system.settings', 'reading system.settings is not allowed'],
    ['SELECT * FROM (EXPLAIN SYNTAX SELECT 1)', 'EXPLAIN is not allowed'],
    ['SELECT (1', 'unbalanced "("'],
    ['SELECT 1)', 'unbalanced ")"'],
  ])('refuses %j', (sql, message) => {
    const err = refusal(sql);
    expect(err.kind).toBe('invalid_sql');
    expect(err.message).toContain(message);
  });
});
