import type { Migration } from './migration';

/** The semantic cache's similarity on a `semantic-hit` (cosine of the last user turns); null for every other call. */
export const migration0004: Migration = {
  id: '0004_response_cache_similarity',
  up: ['ALTER TABLE api_calls ADD COLUMN IF NOT EXISTS response_cache_similarity Nullable(Float32)'],
  down: ['ALTER TABLE api_calls DROP COLUMN IF EXISTS response_cache_similarity'],
};
