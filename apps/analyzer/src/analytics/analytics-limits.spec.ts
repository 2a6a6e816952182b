import { analyticsSchema } from '@lessllm/shared';
import { StoreQueryError } from '@lessllm/store';
import { describe, expect, it } from 'vitest';
import { analyticsError, exportOptions, queryOptions } from './analytics-limits';

const config = analyticsSchema.parse({});

describe('analyticsError: a store error as the API answer', () => {
  it.each([
    ['too_many_rows', 400, 'result_too_many_rows', 'analytics.max_result_rows'],
    ['result_too_large', 400, 'result_too_large', 'analytics.max_result_mb'],
    ['memory_limit', 400, 'query_memory_limit', 'analytics.max_memory_mb'],
    ['timeout', 400, 'query_timeout', 'analytics.timeout_s'],
    ['invalid_sql', 400, 'sql_refused', 'file() is not allowed'],
    ['readonly', 400, 'sql_refused', 'file() is not allowed'],
  ] as const)('%s: %i %s, naming %s', (kind, status, code, named) => {
    const err = analyticsError(new StoreQueryError('file() is not allowed', kind, 1), config, 100);
    expect([err.status, err.code]).toEqual([status, code]);
    expect(err.message).toContain(named);
  });

  it("the query user's grants (497) are a refusal; its wrong credentials (516) mean the store is unavailable", () => {
    const denied = new StoreQueryError('Not enough privileges', 'access_denied', 497);
    expect([analyticsError(denied, config, 10).status, analyticsError(denied, config, 10).code]).toEqual([
      400,
      'sql_refused',
    ]);
    const auth = new StoreQueryError('password is incorrect', 'access_denied', 516);
    expect(analyticsError(auth, config, 10).status).toBe(503);
  });

  it('an engine error with a ClickHouse code is the SQL (400); without one the engine was not reached (503)', () => {
    const unknownColumn = new StoreQueryError('Code: 47. DB::Exception: Unknown identifier x', 'engine', 47);
    expect(analyticsError(unknownColumn, config, 10).status).toBe(400);
    const refused = new StoreQueryError('connect ECONNREFUSED 127.0.0.1:8123', 'engine');
    expect(analyticsError(refused, config, 10).status).toBe(503);
    expect(analyticsError(new Error('socket hang up'), config, 10).status).toBe(503);
  });
});

describe('the engine options every analytics query carries', () => {
  it('queries: the analytics.* limits in bytes, one thread, priority 10', () => {
    expect(queryOptions(config, 500)).toEqual({
      maxRows: 500,
      timeoutSeconds: 30,
      maxResultBytes: 100 * 1024 * 1024,
      maxMemoryBytes: 1024 * 1024 * 1024,
      maxThreads: 1,
      priority: 10,
    });
  });

  it('exports: their own rows, time and size; 0 threads/priority mean the engine default', () => {
    const options = exportOptions(analyticsSchema.parse({ max_threads: 0, priority: 0 }));
    expect(options).toMatchObject({ maxRows: 100_000_000, timeoutSeconds: 3600, maxResultBytes: 10_240 * 1024 ** 2 });
    expect(options.maxThreads).toBeUndefined();
    expect(options.priority).toBeUndefined();
  });
});
