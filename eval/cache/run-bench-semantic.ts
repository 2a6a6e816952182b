import { DEFAULT_LSH } from '../../apps/gateway/src/semantic-cache/lsh';
import { benchSemantic } from '../../bench/semantic';

// npx vite-node eval/cache/run-bench-semantic.ts  (needs Redis; REDIS_URL, default redis://127.0.0.1:6379)
// Env: BENCH_SEMANTIC_ENTRIES (100000), BENCH_SEMANTIC_QUERIES (1000), BENCH_SEMANTIC_DISTRIBUTION (lexical|random),
//      BENCH_SEMANTIC_LSH ("<bands>x<bitsPerBand>", default 32x12), BENCH_SEMANTIC_MAX_CANDIDATES (64).
const env = (name: string) => process.env[`BENCH_SEMANTIC_${name}`];
const num = (name: string) => (env(name) ? Number(env(name)) : undefined);
const [bands, bitsPerBand] = (env('LSH') ?? '').split('x').map(Number);

benchSemantic({
  entries: num('ENTRIES') ?? 100_000,
  queries: num('QUERIES'),
  distribution: env('DISTRIBUTION') === 'random' ? 'random' : 'lexical',
  lsh: bands && bitsPerBand ? { ...DEFAULT_LSH, bands, bitsPerBand } : undefined,
  maxCandidates: num('MAX_CANDIDATES'),
})
  .then((r) => console.log(JSON.stringify(r, null, 2)))
  .catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
