import type { Migration } from './migration';

/**
 * Whether the request or response kept in the row was cut to bound the record (limits.recorded_body_kb, or the
 * bus's message size): the caller got everything; `request_json` / `response_json` hold a shortened copy of the
 * same shape (long strings end in `…[+N chars]`). The sizes (characters of the original JSON) say by how much.
 */
export const migration0007: Migration = {
  id: '0007_truncated_bodies',
  up: [
    'ALTER TABLE api_calls ADD COLUMN IF NOT EXISTS request_truncated Bool DEFAULT false',
    'ALTER TABLE api_calls ADD COLUMN IF NOT EXISTS response_truncated Bool DEFAULT false',
    'ALTER TABLE api_calls ADD COLUMN IF NOT EXISTS request_original_chars UInt64 DEFAULT 0',
    'ALTER TABLE api_calls ADD COLUMN IF NOT EXISTS response_original_chars UInt64 DEFAULT 0',
  ],
  down: [
    'ALTER TABLE api_calls DROP COLUMN IF EXISTS request_truncated',
    'ALTER TABLE api_calls DROP COLUMN IF EXISTS response_truncated',
    'ALTER TABLE api_calls DROP COLUMN IF EXISTS request_original_chars',
    'ALTER TABLE api_calls DROP COLUMN IF EXISTS response_original_chars',
  ],
};
