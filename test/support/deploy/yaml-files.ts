import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseAllDocuments } from 'yaml';

/** One YAML document of a file; `index` counts documents in the file from 0. */
export interface YamlDoc {
  file: string;
  index: number;
  value: any;
}

/**
 * Every document of a (multi-document) YAML file. Throws on syntax errors, duplicate keys and warnings, so a
 * broken file cannot pass as "no objects". `merge` resolves `<<:` keys (docker-compose.yml uses them).
 */
export function readYamlDocs(file: string, options: { merge?: boolean } = {}): YamlDoc[] {
  const text = readFileSync(file, 'utf8');
  const docs = parseAllDocuments(text, { merge: options.merge ?? false, uniqueKeys: true, prettyErrors: true });
  const list = Array.isArray(docs) ? docs : [docs];
  const out: YamlDoc[] = [];
  list.forEach((doc, index) => {
    const problems = [...doc.errors, ...doc.warnings].map((e) => e.message);
    if (problems.length > 0) throw new Error(`${file} (document ${index + 1}): ${problems.join('; ')}`);
    const value: unknown = doc.toJS({ maxAliasCount: 100 });
    if (value !== null && value !== undefined) out.push({ file, index, value });
  });
  return out;
}

/** The single document of a YAML file. */
export function readYaml(file: string, options: { merge?: boolean } = {}): any {
  const docs = readYamlDocs(file, options);
  if (docs.length !== 1) throw new Error(`${file}: expected one YAML document, found ${docs.length}`);
  return docs[0].value;
}

/** Every *.yaml / *.yml file under a folder, as paths relative to `root`, sorted. */
export function yamlFilesUnder(root: string, folder: string): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (/\.ya?ml$/.test(name)) found.push(relative(root, path));
    }
  };
  walk(join(root, folder));
  return found.sort();
}

/** `${VAR}` and `${VAR:-default}` references in a text; `$${...}` (Compose's escape) is not one. */
export function envReferences(text: string): { name: string; hasDefault: boolean; required: boolean }[] {
  const refs: { name: string; hasDefault: boolean; required: boolean }[] = [];
  const pattern = /(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])[^}]*)?\}/g;
  for (const match of text.matchAll(pattern)) {
    const op = match[2] ?? '';
    refs.push({ name: match[1], hasDefault: op.endsWith('-'), required: op.endsWith('?') });
  }
  return refs;
}

/** `${VAR}` references in the string values of a parsed YAML tree (comments never count: nothing reads them). */
export function envReferencesInValues(node: unknown): { name: string; hasDefault: boolean; required: boolean }[] {
  if (typeof node === 'string') return envReferences(node);
  if (Array.isArray(node)) return node.flatMap((item) => envReferencesInValues(item));
  if (node && typeof node === 'object')
    return Object.entries(node).flatMap(([key, value]) => [...envReferences(key), ...envReferencesInValues(value)]);
  return [];
}
