import { existsSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { run, which } from './tools';
import { readYaml } from './yaml-files';

/** A real kustomize: the standalone binary, or the one built into kubectl (`kubectl kustomize`). */
export interface Kustomize {
  label: string;
  build(dir: string): any[];
}

export function findKustomize(): { kustomize: Kustomize | null; reason: string } {
  const standalone = which('kustomize');
  if (standalone) {
    const version = run(standalone, ['version']).output.split('\n')[0];
    return {
      kustomize: { label: `kustomize ${version}`, build: (dir) => build(standalone, ['build', dir]) },
      reason: '',
    };
  }
  const kubectl = which('kubectl');
  if (kubectl && run(kubectl, ['kustomize', '--help'], { timeoutMs: 15_000 }).status === 0) {
    const version = run(kubectl, ['version', '--client'], { timeoutMs: 15_000 })
      .output.split('\n')
      .filter((line) => /version/i.test(line))
      .join(', ');
    return {
      kustomize: { label: `kubectl kustomize (${version})`, build: (dir) => build(kubectl, ['kustomize', dir]) },
      reason: '',
    };
  }
  return {
    kustomize: null,
    reason:
      'neither `kustomize` nor `kubectl` (with its built-in kustomize) is on PATH; Debian has no current one ' +
      '(node-svc machines ship kubectl; elsewhere install kustomize v5)',
  };
}

function build(command: string, args: string[]): any[] {
  const result = run(command, args, { timeoutMs: 60_000 });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed:\n${result.output}`);
  return parseAllDocuments(result.stdout).map((doc) => {
    if (doc.errors.length > 0) throw new Error(`kustomize output is not YAML: ${doc.errors[0].message}`);
    return doc.toJS();
  });
}

/** What a kustomization.yaml refers to, resolved to paths relative to the repository root. */
export interface KustomizationRefs {
  file: string;
  dir: string;
  /** Files and folders under `resources:` (folders are other kustomizations). */
  resourceFiles: string[];
  resourceDirs: string[];
  /** Files given as `patches[].path`. Inline patches are not files. */
  patchFiles: string[];
  /** Files read by configMapGenerator / secretGenerator. */
  generatorFiles: string[];
  /** The secretGenerator entries (forbidden here: no secret values in the repository). */
  secretGenerators: unknown[];
  raw: any;
}

/** The references of one kustomization; throws when one does not exist or leaves its folder without a kustomization. */
export function readKustomization(repoRoot: string, file: string): KustomizationRefs {
  const raw = readYaml(join(repoRoot, file));
  const dir = dirname(file);
  const rel = (p: string) => normalize(join(dir, p));
  const refs: KustomizationRefs = {
    file,
    dir,
    resourceFiles: [],
    resourceDirs: [],
    patchFiles: [],
    generatorFiles: [],
    secretGenerators: raw.secretGenerator ?? [],
    raw,
  };
  for (const entry of (raw.resources ?? []) as string[]) {
    const path = rel(entry);
    const abs = join(repoRoot, path);
    if (!existsSync(abs)) throw new Error(`${file}: resource ${entry} does not exist`);
    if (statSync(abs).isDirectory()) {
      if (!existsSync(join(abs, 'kustomization.yaml')))
        throw new Error(`${file}: resource folder ${entry} has no kustomization.yaml`);
      refs.resourceDirs.push(path);
    } else refs.resourceFiles.push(path);
  }
  for (const patch of (raw.patches ?? []) as { path?: string; patch?: string }[]) {
    if (patch.path) refs.patchFiles.push(rel(patch.path));
  }
  for (const gen of [...((raw.configMapGenerator ?? []) as any[]), ...((raw.secretGenerator ?? []) as any[])]) {
    for (const entry of (gen.files ?? []) as string[]) {
      const source = entry.includes('=') ? entry.slice(entry.indexOf('=') + 1) : entry;
      refs.generatorFiles.push(rel(source));
    }
  }
  for (const path of [...refs.patchFiles, ...refs.generatorFiles]) {
    if (!existsSync(join(repoRoot, path))) throw new Error(`${file}: ${path} does not exist`);
    if (relative(dir, path).startsWith('..'))
      throw new Error(`${file}: ${path} is outside the kustomization's folder (kustomize refuses to load it)`);
  }
  return refs;
}
