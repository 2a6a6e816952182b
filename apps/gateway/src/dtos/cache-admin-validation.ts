import type { StoreKeyFilter } from '@lessllm/shared';
import { GatewayError } from '@lessllm/shared';
import { z } from 'zod';
import { validateBody } from './request-validation';

const filterFields = {
  tenant: z.string().min(1, 'must be a non-empty string').optional(),
  model: z.string().min(1, 'must be a non-empty string').optional(),
  key: z
    .string()
    .regex(/^[0-9a-f]{8,64}$/, 'must be 8 to 64 lowercase hex digits (api_calls.response_cache_key holds 16)')
    .optional(),
};

const purgeSchema = z.strictObject({ ...filterFields, all: z.boolean().optional() });
const statsSchema = z.strictObject(filterFields);

const toFilter = (input: z.infer<typeof statsSchema>): StoreKeyFilter => ({
  tenant: input.tenant,
  model: input.model,
  hashPrefix: input.key,
});

/** `POST /v1/admin/cache/purge` body: at least one of tenant/model/key, or `all: true` for everything. */
export function parsePurgeRequest(body: unknown): StoreKeyFilter {
  const input = validateBody(purgeSchema, body);
  const narrowed = input.tenant !== undefined || input.model !== undefined || input.key !== undefined;
  if (!narrowed && input.all !== true) {
    throw GatewayError.invalid(
      'all',
      'Say what to purge: one or more of "tenant", "model", "key", or "all": true to empty the whole cache.',
    );
  }
  if (narrowed && input.all === true) {
    throw GatewayError.invalid('all', '"all": true cannot be combined with "tenant", "model" or "key".');
  }
  return toFilter(input);
}

/** `GET /v1/admin/cache/stats` query: optional tenant/model/key narrowing the entry count. */
export function parseStatsQuery(query: Record<string, unknown>): StoreKeyFilter {
  return toFilter(validateBody(statsSchema, query));
}
