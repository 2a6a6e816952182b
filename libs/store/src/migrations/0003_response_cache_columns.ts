import type { Migration } from './migration';

/**
 * The gateway's own response cache (not the provider's prompt cache): whether the call was answered from it
 * and what that saved. A hit spent nothing upstream: its estimated_cost_usd is 0 and the would-be cost is in
 * response_cache_saved_cost_usd, so "how much did the cache save per model this week" is one SUM.
 */
const COLUMNS: Array<[string, string]> = [
  ['response_cache_status', "LowCardinality(String) DEFAULT ''"],
  ['response_cache_key', "String DEFAULT ''"],
  ['response_cache_saved_tokens', 'UInt32 DEFAULT 0'],
  ['response_cache_saved_cost_usd', 'Nullable(Float64)'],
];

export const migration0003: Migration = {
  id: '0003_response_cache_columns',
  up: COLUMNS.map(([name, type]) => `ALTER TABLE api_calls ADD COLUMN IF NOT EXISTS ${name} ${type}`),
  down: COLUMNS.map(([name]) => `ALTER TABLE api_calls DROP COLUMN IF EXISTS ${name}`),
};
