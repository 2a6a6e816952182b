import type { Migration } from './migration';

/**
 * The wire format the provider was spoken to in, next to `caller_format` (which, from this release, names the
 * format: openai-chat, anthropic-messages, openai-responses, openai-completions, openai-embeddings; older rows
 * say openai / anthropic). A row whose two formats differ was translated.
 */
export const migration0006: Migration = {
  id: '0006_upstream_format',
  up: ["ALTER TABLE api_calls ADD COLUMN IF NOT EXISTS upstream_format LowCardinality(String) DEFAULT ''"],
  down: ['ALTER TABLE api_calls DROP COLUMN IF EXISTS upstream_format'],
};
