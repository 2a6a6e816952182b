import { migration0001 } from './0001_api_calls';
import { migration0002 } from './0002_api_calls_hourly';
import { migration0003 } from './0003_response_cache_columns';
import { migration0004 } from './0004_response_cache_similarity';
import { migration0005 } from './0005_router_columns';
import { migration0006 } from './0006_upstream_format';
import { migration0007 } from './0007_truncated_bodies';
import { migration0008 } from './0008_cache_write_ttl_unknown';
import type { Migration } from './migration';

/** All migrations, in the order they apply. Append new ones; never edit or renumber an applied one. */
export const MIGRATIONS: readonly Migration[] = [
  migration0001,
  migration0002,
  migration0003,
  migration0004,
  migration0005,
  migration0006,
  migration0007,
  migration0008,
];
