import { LessLLMClient, type CacheFilter } from '@lessllm/sdk';
import type { Command } from 'commander';

interface CacheCommandOptions extends CacheFilter {
  url?: string;
  adminKey?: string;
  json?: boolean;
  all?: boolean;
}

/** The cache lives in the gateway (in memory) or in Redis behind it: the CLI always goes through the admin API. */
function clientFor(opts: CacheCommandOptions): LessLLMClient {
  const url = opts.url ?? process.env.LESSLLM_URL ?? 'http://127.0.0.1:8000';
  return new LessLLMClient({ url, adminKey: opts.adminKey ?? process.env.LESSLLM_ADMIN_KEY });
}

const filterOf = (opts: CacheCommandOptions): CacheFilter => ({
  tenant: opts.tenant,
  model: opts.model,
  key: opts.key,
});

const withTarget = (cmd: Command) =>
  cmd
    .option('--url <url>', 'the gateway (default: $LESSLLM_URL, else http://127.0.0.1:8000)')
    .option('--admin-key <key>', 'auth.admin_key (default: $LESSLLM_ADMIN_KEY)')
    .option('--tenant <tenant>', 'only entries of this tenant')
    .option('--model <model>', 'only entries answered by this provider model (as in x-lessllm-model)')
    .option(
      '--key <hash>',
      'only this entry: a request hash or its first 16 hex digits (api_calls.response_cache_key)',
    );

function printStats(stats: Record<string, unknown>): void {
  const store = stats.store as { entries: number; bytes: number; bytes_estimated: boolean };
  const exact = stats.exact as Record<string, number | null>;
  const semantic = stats.semantic as Record<string, number | null> | null;
  const pct = (r: number | null | undefined) => (r === null || r === undefined ? '-' : `${(r * 100).toFixed(1)} %`);
  const lines = [
    `backend:        ${String(stats.backend)}`,
    `entries:        ${store.entries}`,
    `memory:         ${(store.bytes / 1024).toFixed(1)} KiB${store.bytes_estimated ? ' (estimated from a sample)' : ''}`,
    `exact hit rate: ${pct(exact.hit_rate)} (${exact.hits} hits, ${exact.misses} misses, ${exact.bypasses} bypasses, ${exact.lookup_failures} lookup failures) since ${String(stats.counters_since)} on this replica`,
  ];
  if (semantic)
    lines.push(
      `semantic:       ${pct(semantic.hit_rate)} (${semantic.hits} hits, ${semantic.misses} misses, ${semantic.lookup_failures} lookup failures)`,
    );
  process.stdout.write(`${lines.join('\n')}\n`);
}

export function registerCacheCommands(program: Command): void {
  const cache = program.command('cache').description('response cache administration (through the gateway admin API)');

  withTarget(cache.command('stats').description('entries, memory and hit rates of the response cache'))
    .option('--json', 'print JSON')
    .action(async (opts: CacheCommandOptions) => {
      const stats = await clientFor(opts).cacheStats(filterOf(opts));
      if (opts.json) process.stdout.write(`${JSON.stringify(stats, null, 2)}\n`);
      else printStats(stats);
    });

  withTarget(cache.command('purge').description('delete cached answers by tenant, model or key (or --all)'))
    .option('--all', 'delete every cached answer')
    .action(async (opts: CacheCommandOptions) => {
      const filter = filterOf(opts);
      const narrowed = Object.values(filter).some((v) => v !== undefined);
      if (!narrowed && !opts.all) throw new Error('say what to purge: --tenant, --model, --key, or --all');
      if (narrowed && opts.all) throw new Error('--all cannot be combined with --tenant, --model or --key');
      const { purged } = await clientFor(opts).purgeCache(opts.all ? 'all' : filter);
      process.stdout.write(`purged ${purged} cached answer${purged === 1 ? '' : 's'}\n`);
    });
}
