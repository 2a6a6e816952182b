import type { Migration } from './migration';

/**
 * True when a call wrote to Anthropic's prompt cache but neither the answer (no `usage.cache_creation` breakdown,
 * in the response or any stream event) nor the request (its `cache_control` TTLs) says how much was written with
 * the 1-hour TTL: those writes are billed at the 5-minute rate, a lower bound of the real cost.
 */
export const migration0008: Migration = {
  id: '0008_cache_write_ttl_unknown',
  up: ['ALTER TABLE api_calls ADD COLUMN IF NOT EXISTS cache_write_ttl_unknown Bool DEFAULT false'],
  down: ['ALTER TABLE api_calls DROP COLUMN IF EXISTS cache_write_ttl_unknown'],
};
