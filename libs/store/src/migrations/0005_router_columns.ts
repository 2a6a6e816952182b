import type { Migration } from './migration';

/**
 * The router's decision for calls that asked for a tier (`model: "auto"` or a tier name); empty/null for calls
 * that named a model. "How often was each tier chosen and what did it cost" is one GROUP BY router_tier.
 */
const COLUMNS: Array<[string, string]> = [
  ['router_requested', "String DEFAULT ''"],
  ['router_tier', "LowCardinality(String) DEFAULT ''"],
  ['router_model', "String DEFAULT ''"],
  ['router_classifier', "LowCardinality(String) DEFAULT ''"],
  ['router_probability', 'Nullable(Float32)'],
  ['router_reason', "String DEFAULT ''"],
  ['router_source', "LowCardinality(String) DEFAULT ''"],
  ['router_decision_ms', 'Nullable(Float32)'],
  ['router_escalated_from', "String DEFAULT ''"],
];

export const migration0005: Migration = {
  id: '0005_router_columns',
  up: COLUMNS.map(([name, type]) => `ALTER TABLE api_calls ADD COLUMN IF NOT EXISTS ${name} ${type}`),
  down: COLUMNS.map(([name]) => `ALTER TABLE api_calls DROP COLUMN IF EXISTS ${name}`),
};
