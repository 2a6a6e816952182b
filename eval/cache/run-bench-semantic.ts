import { benchSemantic } from '../../apps/gateway/src/semantic-cache/bench-semantic';

// npx vite-node eval/cache/run-bench-semantic.ts  (BENCH_SEMANTIC_ENTRIES=100000 by default; needs Redis)
benchSemantic({ entries: Number(process.env.BENCH_SEMANTIC_ENTRIES ?? 100_000) })
  .then((r) => console.log(JSON.stringify(r, null, 2)))
  .catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
