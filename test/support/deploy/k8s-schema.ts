import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import ts from 'typescript';

/**
 * Kubernetes schema validation with the npm package `kubernetes-models` (tommy351/kubernetes-models-ts): one model
 * class per kind, generated from the Kubernetes OpenAPI spec, with the JSON-schema validator compiled in (no
 * network, no cluster). Two checks per object:
 *   1. `new Kind(obj).validate()`: types, formats (quantities, ports), required fields, enums.
 *   2. strict fields: the OpenAPI schemas allow unknown properties (as `kubectl apply` without --validate=strict
 *      does), so a typo such as `terminationGracePeriodSecond` would pass 1. The package also ships TypeScript
 *      interfaces generated from the same spec; type-checking each object as an object literal of its kind makes
 *      the compiler reject every property the schema does not define (excess property check), at any depth.
 */

const requireHere = createRequire(__filename);

export interface SchemaTool {
  version: string;
  /** Root folder of the package (for type resolution). */
  root: string;
}

/** The installed kubernetes-models package, or null (with the reason) when it is not installed. */
export function findKubernetesModels(): { tool: SchemaTool | null; reason: string } {
  try {
    const pkgPath = requireHere.resolve('kubernetes-models/package.json');
    const pkg = requireHere(pkgPath) as { version: string };
    return { tool: { version: pkg.version, root: dirname(pkgPath) }, reason: '' };
  } catch {
    return {
      tool: null,
      reason:
        'the npm package kubernetes-models is not installed (devDependency kubernetes-models@4.5.1, Node 20 compatible)',
    };
  }
}

/** Module path of a kind inside kubernetes-models: `apps/v1` + `Deployment` -> kubernetes-models/apps/v1/Deployment. */
function modelModule(tool: SchemaTool, apiVersion: string, kind: string): string | null {
  const path = `${apiVersion}/${kind}`; // core group: "v1/Service"
  return existsSync(join(tool.root, `${path}.js`)) ? `kubernetes-models/${path}` : null;
}

export interface K8sObjectRef {
  /** Where it came from, for messages: file or "kustomize build <dir>". */
  source: string;
  object: any;
}

export function describe(ref: K8sObjectRef): string {
  const o = ref.object;
  return `${ref.source}: ${o?.kind ?? '?'} ${o?.metadata?.name ?? '?'}`;
}

/** Runtime schema validation; returns one message per invalid object. */
export function validateObjects(tool: SchemaTool, refs: readonly K8sObjectRef[]): string[] {
  const problems: string[] = [];
  for (const ref of refs) {
    const { apiVersion, kind } = ref.object ?? {};
    if (typeof apiVersion !== 'string' || typeof kind !== 'string') {
      problems.push(`${describe(ref)}: apiVersion and kind are required`);
      continue;
    }
    const mod = modelModule(tool, apiVersion, kind);
    if (!mod) {
      problems.push(`${describe(ref)}: ${apiVersion} ${kind} is not a Kubernetes ${tool.version} built-in kind`);
      continue;
    }
    const Model = (requireHere(mod) as Record<string, new (data: unknown) => { validate(): void }>)[kind];
    try {
      new Model(ref.object).validate();
    } catch (err) {
      problems.push(`${describe(ref)}: ${(err as Error).message}`);
    }
  }
  return problems;
}

/** Strict field check through the TypeScript interfaces of kubernetes-models (see the file comment). */
export function strictFieldCheck(tool: SchemaTool, refs: readonly K8sObjectRef[], repoRoot: string): string[] {
  const lines: string[] = [];
  const owners: string[] = [];
  const problems: string[] = [];
  refs.forEach((ref, i) => {
    const { apiVersion, kind } = ref.object ?? {};
    const mod = typeof apiVersion === 'string' && typeof kind === 'string' ? modelModule(tool, apiVersion, kind) : null;
    if (!mod) return; // reported by validateObjects
    lines.push(`import type { I${kind} as T${i} } from '${mod}';`);
    owners.push('(imports)');
    lines.push(`export const o${i}: T${i} = ${JSON.stringify(ref.object)};`);
    owners.push(describe(ref));
  });
  const fileName = join(repoRoot, '__deploy_manifests_strict_check__.ts');
  const source = lines.join('\n');
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.Node10,
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, languageVersion, onError, shouldCreate) =>
    name === fileName
      ? ts.createSourceFile(name, source, languageVersion, true)
      : getSourceFile(name, languageVersion, onError, shouldCreate);
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => name === fileName || fileExists(name);
  const readFile = host.readFile.bind(host);
  host.readFile = (name) => (name === fileName ? source : readFile(name));
  const program = ts.createProgram([fileName], options, host);
  const sourceFile = program.getSourceFile(fileName)!;
  for (const diagnostic of [
    ...program.getSyntacticDiagnostics(sourceFile),
    ...program.getSemanticDiagnostics(sourceFile),
  ]) {
    const line = diagnostic.start === undefined ? -1 : sourceFile.getLineAndCharacterOfPosition(diagnostic.start).line;
    const snippet =
      diagnostic.start === undefined ? '' : source.slice(diagnostic.start, diagnostic.start + (diagnostic.length ?? 0));
    problems.push(
      `${owners[line] ?? 'strict check'}: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, ' ')}` +
        (snippet ? ` (at ${snippet.slice(0, 80)})` : ''),
    );
  }
  return problems;
}
