import { createRequire } from 'node:module';
import path from 'node:path';
import { getJson } from './http';
import { type Proc, spawnProc } from './processes';
import type { UpstreamPorts } from './stack';
import type { UpstreamStats } from './upstreams-process';

/** The fake providers (chaos/upstreams-process.ts) in a child process of their own, run by vite-node like we are. */
export interface Upstreams {
  proc: Proc;
  ports: UpstreamPorts;
  stats(): Promise<UpstreamStats>;
}

export async function startUpstreams(): Promise<Upstreams> {
  const root = path.resolve(__dirname, '..');
  const viteNode = path.join(
    path.dirname(createRequire(__filename).resolve('vite-node/package.json')),
    'vite-node.mjs',
  );
  const proc = spawnProc({
    name: 'upstreams',
    command: process.execPath,
    args: [
      '--max-old-space-size=4096',
      viteNode,
      '--config',
      path.join(root, 'vitest.config.ts'),
      path.join(root, 'chaos', 'upstreams-process.ts'),
    ],
    cwd: root,
  });
  const ready = await proc.waitFor(/READY (\{.*\})/, 60_000);
  const ports = JSON.parse(ready[1]) as UpstreamPorts;
  return {
    proc,
    ports,
    stats: async () => (await getJson<UpstreamStats>(`http://127.0.0.1:${ports.stats}/stats`)).body,
  };
}
