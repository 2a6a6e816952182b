/**
 * The deployment files (deploy/, docker-compose.yml, Dockerfile) checked offline, with real tools where the machine
 * has them (.ci/install-deploy-tools.sh installs them):
 *   - Kubernetes: every YAML under deploy/k8s parsed and classified; the kustomizations built with a real kustomize
 *     (`kustomize` or `kubectl kustomize`); every object validated against the Kubernetes schemas of the npm
 *     package kubernetes-models (runtime validator + strict unknown-field check); our own invariants.
 *   - docker-compose.yml: `docker-compose config` (Debian's docker-compose) plus health checks, start order and
 *     variables; nginx.conf with `nginx -t`.
 *   - deploy/prometheus: `promtool check rules`, `check config` and `test rules`, plus structure and metric names.
 * A check whose tool is missing is skipped with the reason printed (never silently); the rest still runs.
 */
import { loadConfig } from '@lessllm/shared';
import { spawnSync } from 'node:child_process';
import {
  closeSync,
  copyFileSync,
  existsSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { dockerignoreMatcher } from '../support/deploy/dockerignore';
import {
  describe as describeObject,
  findKubernetesModels,
  strictFieldCheck,
  validateObjects,
  type K8sObjectRef,
} from '../support/deploy/k8s-schema';
import { findKustomize, readKustomization, type KustomizationRefs } from '../support/deploy/kustomize';
import { announceSkip, run, versionOf, which } from '../support/deploy/tools';
import { envReferencesInValues, readYaml, readYamlDocs, yamlFilesUnder } from '../support/deploy/yaml-files';

const ROOT = resolve(__dirname, '../..');
const K8S = 'deploy/k8s';
const at = (path: string) => join(ROOT, path);
const text = (path: string) => readFileSync(at(path), 'utf8');

// ---- tools (found at collection time, so a skipped check is named with its reason) --------------------------------
const { kustomize, reason: noKustomize } = findKustomize();
const { tool: k8sModels, reason: noK8sModels } = findKubernetesModels();
const promtool = which('promtool');
/** Compose v2 (`docker compose`) when the Docker CLI has the plugin, else Debian's docker-compose (v1.29). */
const dockerCompose = (() => {
  const docker = which('docker');
  if (docker && run(docker, ['compose', 'version'], { timeoutMs: 15_000 }).status === 0)
    return { command: docker, prefix: ['compose'], label: versionOf(docker, ['compose', 'version']) };
  const v1 = which('docker-compose');
  return v1 ? { command: v1, prefix: [], label: `docker-compose ${versionOf(v1, ['version', '--short'])}` } : null;
})();
const nginx = which('nginx');
const skipKustomize = kustomize ? '' : announceSkip('kustomize build', noKustomize);
const skipSchemas = k8sModels ? '' : announceSkip('Kubernetes schema validation', noK8sModels);
const skipPromtool = promtool
  ? ''
  : announceSkip('promtool checks', 'promtool is not on PATH (Debian package prometheus; .ci/install-deploy-tools.sh)');
const skipCompose = dockerCompose
  ? ''
  : announceSkip(
      'docker-compose config',
      'neither `docker compose` nor docker-compose is on PATH (Debian package docker-compose; .ci/install-deploy-tools.sh)',
    );
const xmllint = which('xmllint');
const skipXmllint = xmllint
  ? ''
  : announceSkip('xmllint', 'xmllint is not on PATH (Debian package libxml2-utils; .ci/install-deploy-tools.sh)');
const skipNginx = nginx
  ? ''
  : announceSkip('nginx -t', 'nginx is not on PATH (Debian package nginx; .ci/install-deploy-tools.sh)');
process.stderr.write(
  `[deploy-manifests] tools: kustomize=${kustomize?.label ?? 'none'}; kubernetes-models=${k8sModels?.version ?? 'none'}; ` +
    `promtool=${promtool ? versionOf(promtool, ['--version']) : 'none'}; ` +
    `compose=${dockerCompose?.label ?? 'none'}; ` +
    `nginx=${nginx ? versionOf(nginx, ['-v']) : 'none'}\n`,
);
/** The Dockerfile linter of the VS Code Docker extension (rcjsuen/dockerfile-utils), if installed. */
const dockerfileUtils = (() => {
  try {
    return createRequire(__filename)('dockerfile-utils') as {
      validate(content: string): { message: string; range: { start: { line: number } } }[];
    };
  } catch {
    return null;
  }
})();
const skipDockerfileLint = dockerfileUtils
  ? ''
  : announceSkip(
      'Dockerfile lint',
      'the npm package dockerfile-utils is not installed (devDependency dockerfile-utils@0.16.3)',
    );
const skipped = (reason: string) => (reason ? ` [${reason}]` : '');
/** `it`, or `it.skip` when the tool the test needs is missing (the name then carries the reason). */
const itWith = (missingReason: string) => (missingReason ? it.skip : it);

/** Values for every variable a config or the compose file names (what a user puts in .env / the Secrets). */
function dummyEnv(names: Iterable<string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of names)
    env[name] = name.endsWith('_URL') ? 'http://proxy.example:3128' : `test-${name.toLowerCase()}`;
  return env;
}

// =====================================================================================================================
// Kubernetes
// =====================================================================================================================

/** deploy/k8s: the kustomizations and what each YAML file under it is. */
interface K8sTree {
  kustomizations: KustomizationRefs[];
  /** Kubernetes objects from the files listed under `resources:`. */
  resourceObjects: K8sObjectRef[];
  patchFiles: Set<string>;
  configFiles: Set<string>;
  helmValues: string[];
  customResources: K8sObjectRef[];
  allYaml: string[];
}

function readK8sTree(): K8sTree {
  const allYaml = yamlFilesUnder(ROOT, K8S);
  const kustomizations = allYaml
    .filter((f) => f.endsWith('/kustomization.yaml'))
    .map((f) => readKustomization(ROOT, f));
  const resourceFiles = new Set(kustomizations.flatMap((k) => k.resourceFiles));
  const patchFiles = new Set(kustomizations.flatMap((k) => k.patchFiles));
  const configFiles = new Set(kustomizations.flatMap((k) => k.generatorFiles));
  const resourceObjects = [...resourceFiles].flatMap((file) =>
    readYamlDocs(at(file)).map((doc) => ({ source: `${file}#${doc.index + 1}`, object: doc.value })),
  );
  const helmValues = allYaml.filter((f) => /\/helm\/[^/]+-values\.ya?ml$/.test(f));
  const customResources = allYaml
    .filter((f) => !resourceFiles.has(f) && !patchFiles.has(f) && !configFiles.has(f) && !helmValues.includes(f))
    .filter((f) => !f.endsWith('/kustomization.yaml'))
    .flatMap((file) => readYamlDocs(at(file)).map((doc) => ({ source: file, object: doc.value })))
    .filter((ref) => typeof ref.object?.apiVersion === 'string' && !isBuiltInGroup(ref.object.apiVersion));
  return { kustomizations, resourceObjects, patchFiles, configFiles, helmValues, customResources, allYaml };
}

function isBuiltInGroup(apiVersion: string): boolean {
  const group = apiVersion.includes('/') ? apiVersion.split('/')[0] : '';
  return group === '' || !group.includes('.') || group.endsWith('.k8s.io');
}

const byKind = (objects: any[], kind: string) => objects.filter((o) => o?.kind === kind);
const named = (objects: any[], kind: string, name: string) =>
  objects.find((o) => o?.kind === kind && o?.metadata?.name === name);
const podSpec = (deployment: any) => deployment.spec.template.spec;
const matches = (selector: Record<string, string>, labels: Record<string, string>) =>
  Object.entries(selector).every(([k, v]) => labels?.[k] === v);
const SECRET_NAME = /(_KEY|KEY|PASSWORD|SECRET|TOKEN|CREDENTIALS?)$/i;

/** Secret keys the guide tells users to create (`kubectl create secret generic NAME ... --from-literal=KEY=`). */
function documentedSecretKeys(): Map<string, Set<string>> {
  const guide = text('deploy/README.md');
  const keys = new Map<string, Set<string>>();
  const commands = guide.match(/kubectl create secret generic [\s\S]*?(?=\n\s*\n|```)/g) ?? [];
  for (const command of commands) {
    const name = /kubectl create secret generic ([a-z0-9-]+)/.exec(command)![1];
    const set = keys.get(name) ?? new Set<string>();
    for (const m of command.matchAll(/--from-literal=([A-Za-z0-9_.-]+)=/g)) set.add(m[1]);
    keys.set(name, set);
  }
  return keys;
}

/**
 * Our invariants over a set of objects (a kustomize build, or the raw base files). `config`: the lessllm.yaml the
 * ConfigMap holds, to check every ${VAR} it names reaches every LessLLM container.
 */
function checkInvariants(objects: any[], config: { file: string; text: string } | null): string[] {
  const problems: string[] = [];
  const fail = (message: string) => problems.push(message);
  const deployments = byKind(objects, 'Deployment');
  const secretsDocumented = documentedSecretKeys();
  const components = ['gateway', 'router', 'analyzer'];

  for (const component of components) {
    if (!named(objects, 'Deployment', `lessllm-${component}`)) fail(`no Deployment lessllm-${component}`);
    if (!named(objects, 'Service', `lessllm-${component}`)) fail(`no Service lessllm-${component}`);
  }
  if (byKind(objects, 'Secret').length > 0)
    fail('a Secret object is in the manifests: Secrets are created by the user');

  for (const d of deployments) {
    const name = d.metadata.name;
    const spec = podSpec(d);
    const podSc = spec.securityContext ?? {};
    if (podSc.runAsNonRoot !== true) fail(`${name}: pod securityContext.runAsNonRoot must be true`);
    if (podSc.runAsUser === 0) fail(`${name}: runs as uid 0`);
    if (spec.automountServiceAccountToken !== false) fail(`${name}: automountServiceAccountToken must be false`);
    if (!(spec.terminationGracePeriodSeconds >= 30)) fail(`${name}: terminationGracePeriodSeconds must be >= 30`);
    const volumes = new Map<string, any>((spec.volumes ?? []).map((v: any) => [v.name, v]));
    for (const c of [...(spec.initContainers ?? []), ...spec.containers]) {
      const where = `${name}/${c.name}`;
      const isInit = (spec.initContainers ?? []).includes(c);
      const sc = c.securityContext ?? {};
      if (sc.allowPrivilegeEscalation !== false) fail(`${where}: allowPrivilegeEscalation must be false`);
      if (sc.readOnlyRootFilesystem !== true) fail(`${where}: readOnlyRootFilesystem must be true`);
      if (!(sc.capabilities?.drop ?? []).includes('ALL')) fail(`${where}: capabilities.drop must include ALL`);
      if ((sc.seccompProfile ?? podSc.seccompProfile)?.type !== 'RuntimeDefault')
        fail(`${where}: seccompProfile must be RuntimeDefault`);
      if ((sc.runAsNonRoot ?? podSc.runAsNonRoot) !== true) fail(`${where}: must run as non-root`);
      const tmp = (c.volumeMounts ?? []).find((m: any) => m.mountPath === '/tmp');
      if (!tmp || !volumes.get(tmp.name)?.emptyDir) fail(`${where}: needs an emptyDir at /tmp (read-only root)`);
      const r = c.resources ?? {};
      for (const key of ['cpu', 'memory']) {
        if (r.requests?.[key] === undefined) fail(`${where}: resources.requests.${key} missing`);
        if (r.limits?.[key] === undefined) fail(`${where}: resources.limits.${key} missing`);
      }
      if (!isInit) {
        const ports = new Set<string | number>((c.ports ?? []).flatMap((p: any) => [p.name, p.containerPort]));
        for (const [probe, path] of [
          ['readinessProbe', '/health/ready'],
          ['livenessProbe', '/health/live'],
        ] as const) {
          const get = c[probe]?.httpGet;
          if (!get) fail(`${where}: ${probe} (httpGet) missing`);
          else {
            if (get.path !== path) fail(`${where}: ${probe} must GET ${path}, not ${get.path}`);
            if (!ports.has(get.port)) fail(`${where}: ${probe} port ${get.port} is not a container port`);
          }
        }
      }
      // Secrets only by reference.
      for (const env of c.env ?? []) {
        if (SECRET_NAME.test(env.name) && !env.valueFrom?.secretKeyRef)
          fail(
            `${where}: env ${env.name} must come from a secretKeyRef, not ${JSON.stringify(env.value ?? env.valueFrom)}`,
          );
        const ref = env.valueFrom?.secretKeyRef;
        if (ref) {
          const documented = secretsDocumented.get(ref.name);
          const chartSecret = text('deploy/README.md').includes(ref.name) && text('deploy/README.md').includes(ref.key);
          if (!(documented?.has(ref.key) || chartSecret))
            fail(`${where}: secretKeyRef ${ref.name}/${ref.key} is not documented in deploy/README.md`);
        }
      }
      for (const from of c.envFrom ?? []) {
        if (from.secretRef && !secretsDocumented.has(from.secretRef.name))
          fail(`${where}: envFrom Secret ${from.secretRef.name} has no \`kubectl create secret\` in deploy/README.md`);
      }
      // Every ${VAR} the mounted lessllm.yaml needs reaches this container.
      if (config) {
        const available = new Set<string>((c.env ?? []).map((e: any) => e.name));
        for (const from of c.envFrom ?? [])
          for (const key of secretsDocumented.get(from.secretRef?.name) ?? []) available.add(key);
        for (const ref of envReferencesInValues(parseYaml(config.text))) {
          if (!ref.hasDefault && !available.has(ref.name))
            fail(`${where}: ${config.file} needs \${${ref.name}}, which this container does not get`);
        }
      }
    }
    // The ConfigMap it mounts exists in the same output.
    for (const v of volumes.values()) {
      if (v.configMap && config && !named(objects, 'ConfigMap', v.configMap.name))
        fail(`${name}: volume ${v.name} mounts ConfigMap ${v.configMap.name}, which is not in the output`);
    }
  }

  // The gateway: graceful shutdown that outlasts the longest call, autoscaled, protected from disruptions.
  const gateway = named(objects, 'Deployment', 'lessllm-gateway');
  if (gateway) {
    const spec = podSpec(gateway);
    const container = spec.containers.find((c: any) => c.name === 'gateway');
    const preStop = container?.lifecycle?.preStop;
    const sleep = preStop?.sleep?.seconds ?? Number(preStop?.exec?.command?.at(-1));
    if (!preStop) fail('lessllm-gateway: a preStop hook (sleep) is required so endpoints are removed before SIGTERM');
    else if (!(sleep >= 5)) fail('lessllm-gateway: preStop must sleep at least 5 s');
    if (config) {
      const headersS = (loadConfigText(config).config.timeouts.headers_ms ?? 300_000) / 1000;
      if (!(spec.terminationGracePeriodSeconds >= headersS + (sleep || 0)))
        fail(
          `lessllm-gateway: terminationGracePeriodSeconds ${spec.terminationGracePeriodSeconds} < preStop ${sleep} s + ` +
            `timeouts.headers_ms ${headersS} s: in-flight calls would be cut`,
        );
    }
    if (gateway.spec.replicas !== undefined) fail('lessllm-gateway: no spec.replicas (the HPA owns the replica count)');
    const labels = gateway.spec.template.metadata.labels;
    const hpas = byKind(objects, 'HorizontalPodAutoscaler').filter(
      (h) => h.spec.scaleTargetRef.kind === 'Deployment' && h.spec.scaleTargetRef.name === 'lessllm-gateway',
    );
    if (hpas.length !== 1) fail(`lessllm-gateway: expected one HPA, found ${hpas.length}`);
    else if (!(hpas[0].spec.minReplicas >= 2)) fail('lessllm-gateway HPA: minReplicas must be >= 2');
    const pdbs = byKind(objects, 'PodDisruptionBudget').filter((p) => matches(p.spec.selector.matchLabels, labels));
    if (pdbs.length === 0) fail('lessllm-gateway: no PodDisruptionBudget selects its pods');
    for (const pdb of pdbs)
      if (pdb.spec.minAvailable === undefined && pdb.spec.maxUnavailable === undefined)
        fail(`${pdb.metadata.name}: minAvailable or maxUnavailable required`);
  }

  // Services select pods and name real ports.
  for (const svc of byKind(objects, 'Service')) {
    const target = deployments.find((d) => matches(svc.spec.selector ?? {}, d.spec.template.metadata.labels));
    if (!target) {
      fail(`Service ${svc.metadata.name}: its selector matches no Deployment`);
      continue;
    }
    const ports = new Set(
      podSpec(target).containers.flatMap((c: any) => (c.ports ?? []).flatMap((p: any) => [p.name, p.containerPort])),
    );
    for (const p of svc.spec.ports)
      if (!ports.has(p.targetPort)) fail(`Service ${svc.metadata.name}: targetPort ${p.targetPort} not found`);
  }

  // NetworkPolicies: default deny, DNS, and internet egress for the gateway alone.
  const policies = byKind(objects, 'NetworkPolicy');
  const lessllmPods = { 'app.kubernetes.io/name': 'lessllm' };
  const denyAll = policies.find(
    (p) =>
      JSON.stringify(p.spec.podSelector?.matchLabels ?? {}) === JSON.stringify(lessllmPods) &&
      ['Ingress', 'Egress'].every((t) => p.spec.policyTypes?.includes(t)) &&
      !p.spec.ingress &&
      !p.spec.egress,
  );
  if (!denyAll)
    fail('NetworkPolicy: a default deny (Ingress+Egress, no rules) for app.kubernetes.io/name=lessllm is missing');
  const allowsDns = policies.some((p) =>
    (p.spec.egress ?? []).some((rule: any) => (rule.ports ?? []).some((port: any) => port.port === 53)),
  );
  if (!allowsDns) fail('NetworkPolicy: no egress to DNS (port 53)');
  for (const component of components) {
    const pod = named(objects, 'Deployment', `lessllm-${component}`)?.spec.template.metadata.labels;
    if (!pod) continue;
    const egress = policies
      .filter((p) => matches(p.spec.podSelector?.matchLabels ?? {}, pod))
      .flatMap((p) => p.spec.egress ?? []);
    const external = egress.filter((rule: any) => !rule.to || rule.to.some((peer: any) => peer.ipBlock));
    if (component !== 'gateway' && external.length > 0)
      fail(`NetworkPolicy: the ${component} must not reach outside the cluster: ${JSON.stringify(external)}`);
    for (const rule of egress) {
      if (!rule.ports?.length) fail(`NetworkPolicy: an egress rule for the ${component} allows every port`);
    }
    const ingressPolicies = policies.filter(
      (p) =>
        matches(p.spec.podSelector?.matchLabels ?? {}, pod) &&
        p.spec.podSelector?.matchLabels?.['app.kubernetes.io/component'],
    );
    if (ingressPolicies.length === 0) fail(`NetworkPolicy: none for the ${component} specifically`);
  }
  if (gateway) {
    const pod = gateway.spec.template.metadata.labels;
    const egress = policies
      .filter((p) => matches(p.spec.podSelector?.matchLabels ?? {}, pod))
      .flatMap((p) => p.spec.egress ?? []);
    if (!egress.some((rule: any) => rule.to?.some((peer: any) => peer.ipBlock)))
      fail('NetworkPolicy: the gateway has no egress to the providers (ipBlock) or an egress proxy');
  }
  return problems;
}

function loadConfigText(config: { file: string; text: string }) {
  const dir = mkdtempSync(join(tmpdir(), 'lessllm-deploy-'));
  try {
    writeFileSync(join(dir, 'lessllm.yaml'), config.text);
    const names = envReferencesInValues(parseYaml(config.text))
      .filter((r) => !r.hasDefault)
      .map((r) => r.name);
    return loadConfig(join(dir, 'lessllm.yaml'), dummyEnv(names));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('Kubernetes manifests (deploy/k8s)', () => {
  const tree = readK8sTree();
  const builds = new Map<string, any[]>();
  /** `kustomize build <dir>`, once per folder; a failure fails the tests that need the output. */
  const buildOf = (dir: string): any[] => {
    if (!builds.has(dir)) builds.set(dir, kustomize!.build(at(dir)));
    return builds.get(dir)!;
  };

  it('every YAML file parses and is accounted for (resource, patch, config, Helm values or custom resource)', () => {
    const known = new Set([
      ...tree.kustomizations.map((k) => k.file),
      ...tree.kustomizations.flatMap((k) => k.resourceFiles),
      ...tree.patchFiles,
      ...tree.configFiles,
      ...tree.helmValues,
      ...tree.customResources.map((r) => r.source),
    ]);
    for (const file of tree.allYaml) readYamlDocs(at(file)); // throws on a syntax error or a duplicate key
    expect(tree.allYaml.filter((f) => !known.has(f))).toEqual([]);
    expect(tree.kustomizations.map((k) => k.dir)).toEqual(
      expect.arrayContaining([K8S, `${K8S}/base`, `${K8S}/overlays/example`]),
    );
    for (const k of tree.kustomizations) expect(k.secretGenerators, `${k.file}: no secretGenerator`).toEqual([]);
  });

  it('no Secret object and no literal secret anywhere under deploy/k8s', () => {
    const everything = tree.allYaml.flatMap((f) => readYamlDocs(at(f)).map((d) => ({ file: f, value: d.value })));
    expect(everything.filter((d) => d.value?.kind === 'Secret').map((d) => d.file)).toEqual([]);
    // Config files: every credential is a ${VAR} reference.
    for (const file of tree.configFiles) {
      const walk = (node: unknown, path: string) => {
        if (typeof node === 'string' && /(api_key|admin_key|password|\.key)$/.test(path))
          expect(node, `${file}: ${path} must be a \${VAR} reference`).toMatch(/^\$\{[A-Z0-9_]+\}$/);
        else if (node && typeof node === 'object')
          for (const [k, v] of Object.entries(node)) walk(v, Array.isArray(node) ? `${path}[]` : `${path}.${k}`);
      };
      walk(readYaml(at(file)), '');
      // Redis URLs carry the password as a reference only.
      for (const url of text(file).match(/redis:\/\/[^'"\s]*/g) ?? [])
        expect(url, `${file}: ${url}`).toMatch(/^redis:\/\/(:\$\{[A-Z_]+(:-)?\}@)?[a-z0-9.-]+:\d+(\/\d+)?$/);
    }
  });

  it('every lessllm.yaml the kustomizations put in a ConfigMap is a valid LessLLM config', () => {
    expect(tree.configFiles.size).toBeGreaterThan(0);
    for (const file of tree.configFiles) {
      const { config } = loadConfigText({ file, text: text(file) });
      expect(config.events.nats_url, `${file}: events.nats_url`).toMatch(/^nats:\/\//);
      expect(config.router?.nats_url, `${file}: router.nats_url (router service)`).toMatch(/^nats:\/\//);
      expect(config.cache.redis_url, `${file}: cache.redis_url`).toMatch(/^redis:\/\//);
      expect(
        config.storage.clickhouse_url,
        `${file}: no storage.clickhouse_url (the gateway would open ClickHouse)`,
      ).toBe(undefined);
    }
  });

  itWith(skipKustomize)(`kustomize builds every kustomization${skipped(skipKustomize)}`, () => {
    for (const k of tree.kustomizations) {
      const objects = buildOf(k.dir);
      expect(objects.length, `kustomize build ${k.dir}`).toBeGreaterThan(0);
      for (const o of objects)
        expect(
          o.metadata?.namespace ?? (o.kind === 'Namespace' ? 'ns' : undefined),
          `${o.kind} ${o.metadata?.name}`,
        ).toBeTruthy();
    }
    // The ConfigMap is generated with a content hash and every Deployment mounts that name.
    for (const dir of [K8S, `${K8S}/overlays/example`]) {
      const objects = buildOf(dir);
      const cm = byKind(objects, 'ConfigMap').find((c) => c.metadata.name.startsWith('lessllm-config-'));
      expect(cm, `${dir}: hashed ConfigMap lessllm-config-*`).toBeTruthy();
      for (const d of byKind(objects, 'Deployment'))
        expect(podSpec(d).volumes.find((v: any) => v.name === 'config').configMap.name).toBe(cm.metadata.name);
    }
    // The overlay changes what it says it changes.
    const overlay = buildOf(`${K8S}/overlays/example`);
    expect(podSpec(named(overlay, 'Deployment', 'lessllm-gateway')).containers[0].image).toMatch(
      /^registry\.example\.com\//,
    );
    const gatewayPolicy = named(overlay, 'NetworkPolicy', 'lessllm-gateway');
    expect(gatewayPolicy.spec.egress.some((r: any) => r.to?.some((p: any) => p.ipBlock?.cidr === '0.0.0.0/0'))).toBe(
      false,
    );
  });

  itWith(skipSchemas)(`every object validates against the Kubernetes schemas${skipped(skipSchemas)}`, () => {
    const refs: K8sObjectRef[] = [...tree.resourceObjects];
    if (kustomize)
      for (const k of tree.kustomizations)
        refs.push(...buildOf(k.dir).map((object) => ({ source: `kustomize build ${k.dir}`, object })));
    if (!kustomize)
      process.stderr.write(`[deploy-manifests] schema validation covers the raw files only (${noKustomize})\n`);
    expect(validateObjects(k8sModels!, refs)).toEqual([]);
    expect(strictFieldCheck(k8sModels!, refs, ROOT)).toEqual([]);
  });

  itWith(skipSchemas)(
    `the schema check catches a bad object (kubernetes-models ${k8sModels?.version ?? '-'})${skipped(skipSchemas)}`,
    () => {
      const gateway = tree.resourceObjects.find((r) => r.object.kind === 'Deployment')!;
      const bad = structuredClone(gateway.object);
      bad.spec.template.spec.terminationGracePeriodSecond = 30; // typo
      bad.spec.template.spec.containers[0].resources.limits.memory = 'lots'; // not a quantity
      const ref = { source: 'mutated', object: bad };
      expect(validateObjects(k8sModels!, [ref]).join('\n')).toMatch(/quantity/);
      expect(strictFieldCheck(k8sModels!, [ref], ROOT).join('\n')).toMatch(/terminationGracePeriodSecond/);
      expect(
        validateObjects(k8sModels!, [{ source: 'x', object: { apiVersion: 'apps/v1', kind: 'Deploymnet' } }]),
      ).toHaveLength(1);
    },
  );

  it('the custom resources and Helm values carry the settings LessLLM needs', () => {
    const chi = tree.customResources.find((r) => r.object.kind === 'ClickHouseInstallation');
    expect(chi, 'a ClickHouseInstallation (Altinity operator)').toBeTruthy();
    const users = chi!.object.spec.configuration.users;
    expect(users['lessllm/k8s_secret_password']).toBe('lessllm-clickhouse/writer-password');
    expect(users['grafana/k8s_secret_password']).toBe('lessllm-clickhouse/grafana-password');
    expect(users['grafana/profile']).toBe('lessllm_readonly');
    expect(chi!.object.spec.configuration.profiles['lessllm_readonly/readonly']).toBe(1);
    expect(JSON.stringify(users)).not.toMatch(/\/password"/); // no inline passwords
    for (const ref of tree.customResources) expect(describeObject(ref)).toMatch(/ClickHouseInstallation/);

    const nats = readYaml(at(tree.helmValues.find((f) => f.endsWith('nats-values.yaml'))!));
    expect(nats.config.jetstream.enabled).toBe(true);
    expect(nats.config.jetstream.fileStore.enabled).toBe(true);
    expect(nats.config.jetstream.fileStore.pvc.enabled).toBe(true);
    expect(nats.config.cluster).toMatchObject({ enabled: true, replicas: 3 });
    const redis = readYaml(at(tree.helmValues.find((f) => f.endsWith('redis-values.yaml'))!));
    expect(redis.master.persistence.enabled).toBe(false);
    expect(redis.commonConfiguration).toMatch(/appendonly no/);
    expect(redis.auth.enabled).toBe(true);
  });

  itWith(skipKustomize)(
    `invariants hold on the kustomize output of deploy/k8s and of the example overlay${skipped(skipKustomize)}`,
    () => {
      for (const [dir, configFile] of [
        [K8S, `${K8S}/lessllm.yaml`],
        [`${K8S}/overlays/example`, `${K8S}/overlays/example/lessllm.yaml`],
      ]) {
        expect(checkInvariants(buildOf(dir), { file: configFile, text: text(configFile) }), dir).toEqual([]);
      }
    },
  );

  it('invariants hold on the raw base files (without kustomize)', () => {
    const base = tree.kustomizations.find((k) => k.dir === `${K8S}/base`)!;
    const objects = base.resourceFiles.flatMap((f) => readYamlDocs(at(f)).map((d) => d.value));
    expect(checkInvariants(objects, null)).toEqual([]);
  });

  it('the invariants catch the mistakes they are for', () => {
    const base = tree.kustomizations.find((k) => k.dir === `${K8S}/base`)!;
    const objects = base.resourceFiles.flatMap((f) => readYamlDocs(at(f)).map((d) => d.value));
    const mutated = structuredClone(objects);
    const gateway = named(mutated, 'Deployment', 'lessllm-gateway');
    const c = podSpec(gateway).containers[0];
    delete c.readinessProbe;
    delete c.lifecycle;
    c.env.push({ name: 'OPENAI_API_KEY', value: 'sk-live-123' });
    podSpec(gateway).securityContext.runAsNonRoot = false;
    const routerPolicy = named(mutated, 'NetworkPolicy', 'lessllm-router');
    routerPolicy.spec.egress.push({ to: [{ ipBlock: { cidr: '0.0.0.0/0' } }], ports: [{ port: 443 }] });
    mutated.push({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'x' }, data: { a: 'YQ==' } });
    const problems = checkInvariants(mutated, null).join('\n');
    for (const expected of [
      /readinessProbe/,
      /preStop/,
      /OPENAI_API_KEY must come from a secretKeyRef/,
      /runAsNonRoot/,
      /router must not reach outside/,
      /Secret object/,
    ])
      expect(problems).toMatch(expected);
  });
});

// =====================================================================================================================
// docker-compose.yml
// =====================================================================================================================

describe('docker-compose.yml', () => {
  const compose = readYaml(at('docker-compose.yml'), { merge: true });
  const services: Record<string, any> = compose.services;
  const envExample = text('.env.example');
  const declared = new Set([...envExample.matchAll(/^\s*#?\s*([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]));
  let workDir = '';

  beforeAll(() => {
    workDir = mkdtempSync(join(tmpdir(), 'lessllm-compose-'));
  });
  afterAll(() => rmSync(workDir, { recursive: true, force: true }));

  it('brings up the whole distributed stack', () => {
    expect(Object.keys(services)).toEqual(
      expect.arrayContaining(['gateway', 'router', 'analyzer', 'nats', 'redis', 'clickhouse', 'grafana', 'lb']),
    );
    const images = Object.values(services).map((s) => String(s.image));
    expect(images.filter((i) => i.startsWith('clickhouse/clickhouse-server:'))).toHaveLength(1);
    for (const name of ['gateway', 'router', 'analyzer']) {
      expect(services[name].command[0], name).toBe(name);
      expect(services[name].build, `${name} builds the repository's Dockerfile`).toBeTruthy();
      expect(services[name].user, `${name} runs as non-root`).toMatch(/^[1-9]\d*(:\d+)?$/);
      expect(services[name].read_only, `${name} read-only root`).toBe(true);
    }
    expect(services.gateway.ports, 'gateway: no fixed host port (it is scaled; the lb service has it)').toBeUndefined();
    expect(services.lb.ports).toHaveLength(1);
    expect(services.nats.command.join(' ')).toMatch(/--jetstream|-js/);
    expect(
      services.nats.volumes.some((v: string) => v.endsWith(':/data')),
      'JetStream on a volume',
    ).toBe(true);
    expect(Object.keys(compose.volumes)).toContain('nats-data');
    expect(services.grafana.environment.GF_INSTALL_PLUGINS).toMatch(/grafana-clickhouse-datasource/);
    expect(services.grafana.volumes).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^\.\/deploy\/grafana\/provisioning:\/etc\/grafana\/provisioning/),
      ]),
    );
  });

  it('every service has a health check and depends_on conditions form a DAG', () => {
    for (const [name, service] of Object.entries(services)) {
      const hc = service.healthcheck;
      expect(hc?.test, `${name}: healthcheck.test`).toBeTruthy();
      expect(hc.disable, `${name}: healthcheck disabled`).not.toBe(true);
      expect(Array.isArray(hc.test) ? hc.test[0] : 'CMD-SHELL', name).toMatch(/^(CMD|CMD-SHELL)$/);
      for (const [dep, spec] of Object.entries<any>(service.depends_on ?? {})) {
        expect(services[dep], `${name} depends on unknown service ${dep}`).toBeTruthy();
        expect(['service_healthy', 'service_started', 'service_completed_successfully'], `${name} -> ${dep}`).toContain(
          spec.condition,
        );
      }
    }
    // Depth-first search for a cycle.
    const state = new Map<string, 'visiting' | 'done'>();
    const visit = (name: string, path: string[]) => {
      if (state.get(name) === 'done') return;
      if (state.get(name) === 'visiting') throw new Error(`depends_on cycle: ${[...path, name].join(' -> ')}`);
      state.set(name, 'visiting');
      for (const dep of Object.keys(services[name].depends_on ?? {})) visit(dep, [...path, name]);
      state.set(name, 'done');
    };
    for (const name of Object.keys(services)) visit(name, []);
    // What needs a dependency ready waits for its health check.
    expect(services.analyzer.depends_on.clickhouse.condition).toBe('service_healthy');
    expect(services.analyzer.depends_on.nats.condition).toBe('service_healthy');
    expect(services.gateway.depends_on.nats.condition).toBe('service_healthy');
    expect(services.lb.depends_on.gateway.condition).toBe('service_healthy');
    expect(services.grafana.depends_on.clickhouse.condition).toBe('service_healthy');
  });

  it('every ${VAR} it uses is listed in .env.example, and .env.example lists nothing else', () => {
    const used = new Set(envReferencesInValues(compose).map((r) => r.name));
    expect([...used].filter((name) => !declared.has(name))).toEqual([]);
    expect([...declared].filter((name) => !used.has(name))).toEqual([]);
    // Required secrets are empty in the example (the user must fill them in), optional ones have a default.
    for (const ref of envReferencesInValues(compose).filter((r) => r.required)) {
      expect(envExample, `${ref.name} must be empty in .env.example`).toMatch(new RegExp(`^${ref.name}=$`, 'm'));
    }
  });

  it('the LessLLM services get every variable deploy/compose/lessllm.yaml names, and it loads', () => {
    const configText = text('deploy/compose/lessllm.yaml');
    const needed = envReferencesInValues(parseYaml(configText))
      .filter((r) => !r.hasDefault)
      .map((r) => r.name);
    for (const name of ['gateway', 'router', 'analyzer']) {
      const env = services[name].environment;
      expect(
        needed.filter((v) => !(v in env)),
        `${name}: missing variables`,
      ).toEqual([]);
      expect(services[name].volumes).toContain('./deploy/compose/lessllm.yaml:/etc/lessllm/lessllm.yaml:ro');
    }
    const { config } = loadConfigText({ file: 'deploy/compose/lessllm.yaml', text: configText });
    expect(config.events.nats_url).toBe('nats://nats:4222');
    expect(config.storage.clickhouse_url).toBeUndefined();
    expect(services.analyzer.environment.LESSLLM_CLICKHOUSE_URL).toBe('http://clickhouse:8123');
    // Literal secrets never appear in the compose file: every credential is a reference.
    for (const service of Object.values(services)) {
      for (const [key, value] of Object.entries<any>(service.environment ?? {})) {
        if (SECRET_NAME.test(key)) expect(String(value), key).toMatch(/^\$\{[A-Z0-9_]+(:[-?][^}]*)?\}$/);
      }
    }
  });

  it('bind mounts exist and the ClickHouse users take their passwords from the environment', () => {
    for (const [name, service] of Object.entries(services)) {
      for (const volume of (service.volumes ?? []) as string[]) {
        const source = volume.split(':')[0];
        if (source.startsWith('./')) expect(existsSync(at(source)), `${name}: ${source}`).toBe(true);
      }
    }
    const users = text('deploy/compose/clickhouse-users.xml');
    expect(users).toMatch(/<lessllm>[\s\S]*<password from_env="CLICKHOUSE_WRITER_PASSWORD"\/>[\s\S]*<\/lessllm>/);
    expect(users).toMatch(
      /<grafana>[\s\S]*<password from_env="CLICKHOUSE_GRAFANA_PASSWORD"\/>[\s\S]*<profile>lessllm_readonly<\/profile>/,
    );
    expect(users).toMatch(/<lessllm_readonly>\s*<readonly>1<\/readonly>/);
    expect(services.clickhouse.environment).toHaveProperty('CLICKHOUSE_WRITER_PASSWORD');
    expect(services.clickhouse.environment).toHaveProperty('CLICKHOUSE_GRAFANA_PASSWORD');
    expect(services.grafana.environment.CLICKHOUSE_GRAFANA_USER).toBe('grafana');
    expect(services.analyzer.environment.LESSLLM_CLICKHOUSE_USER).toBe('lessllm');
  });

  itWith(skipCompose)(`${dockerCompose?.label ?? 'docker compose'} config accepts it${skipped(skipCompose)}`, () => {
    // .env.example with every empty value filled in, as a user's .env would be.
    const envFile = join(workDir, 'compose.env');
    writeFileSync(
      envFile,
      envExample.replace(/^([A-Z][A-Z0-9_]*)=$/gm, (_m, name: string) => `${name}=${dummyEnv([name])[name]}`),
    );
    const env = { ...process.env };
    for (const name of declared) delete env[name];
    const { command, prefix, label } = dockerCompose!;
    const args = [...prefix, '--project-directory', ROOT, '--env-file', envFile, '-f', at('docker-compose.yml')];
    const ok = run(command, [...args, 'config', '-q'], { cwd: ROOT, env });
    expect(ok.status, `${label}: ${ok.output}`).toBe(0);
    // A missing required secret is refused with its message.
    const partial = join(workDir, 'partial.env');
    writeFileSync(partial, readFileSync(envFile, 'utf8').replace(/^REDIS_PASSWORD=.*$/m, 'REDIS_PASSWORD='));
    const refused = run(command, [...args.map((a) => (a === envFile ? partial : a)), 'config', '-q'], {
      cwd: ROOT,
      env,
    });
    expect(refused.status).not.toBe(0);
    expect(refused.output).toMatch(/REDIS_PASSWORD/);
  });

  it('the load balancer proxies to the gateways without buffering streams', () => {
    const conf = text('deploy/compose/nginx.conf');
    expect(conf).toMatch(/set \$gateway http:\/\/gateway:8000;/);
    expect(conf).toMatch(/proxy_buffering off;/);
    expect(conf).toMatch(/resolver 127\.0\.0\.11/);
  });

  itWith(skipXmllint)(`the ClickHouse users file is well-formed XML (xmllint)${skipped(skipXmllint)}`, () => {
    const result = run(xmllint!, ['--noout', at('deploy/compose/clickhouse-users.xml')]);
    expect(result.status, result.output).toBe(0);
  });

  itWith(skipNginx)(`the load balancer config passes nginx -t${skipped(skipNginx)}`, () => {
    // The config logs to /dev/stderr (the container's log); give nginx a real file there, not a socket.
    const prefix = mkdtempSync(join(workDir, 'nginx-'));
    const log = join(prefix, 'stderr.log');
    const fd = openSync(log, 'w');
    try {
      const result = spawnSync(nginx!, ['-t', '-q', '-e', log, '-p', prefix, '-c', at('deploy/compose/nginx.conf')], {
        stdio: ['ignore', 'pipe', fd],
        encoding: 'utf8',
        timeout: 30_000,
      });
      expect(result.status, `${result.stdout}${readFileSync(log, 'utf8')}`).toBe(0);
    } finally {
      closeSync(fd);
    }
  });
});

// =====================================================================================================================
// Prometheus alert rules
// =====================================================================================================================

describe('Prometheus rules (deploy/prometheus)', () => {
  const rulesFile = 'deploy/prometheus/alerts.yaml';
  const rules = readYaml(at(rulesFile));

  it('are well formed, named, labelled and use only metrics the services export', () => {
    const sources = ['apps', 'libs'].flatMap((dir) => listTs(at(dir))).map((f) => readFileSync(f, 'utf8'));
    const exported = new Set(sources.flatMap((s) => [...s.matchAll(/['"](lessllm_[a-z0-9_]+)['"]/g)].map((m) => m[1])));
    const names = new Set<string>();
    expect(rules.groups.length).toBeGreaterThan(0);
    for (const group of rules.groups) {
      expect(group.name).toMatch(/^lessllm-/);
      for (const rule of group.rules) {
        expect(rule.alert, JSON.stringify(rule)).toMatch(/^LessLLM[A-Za-z]+$/);
        expect(names.has(rule.alert), `duplicate alert ${rule.alert}`).toBe(false);
        names.add(rule.alert);
        expect(['warning', 'critical']).toContain(rule.labels?.severity);
        expect(rule.annotations?.summary, rule.alert).toBeTruthy();
        expect(rule.annotations?.description, rule.alert).toBeTruthy();
        if (rule.for !== undefined) expect(rule.for).toMatch(/^\d+[smh]$/);
        const expr = String(rule.expr);
        for (const [open, close] of ['()', '{}', '[]'])
          expect(count(expr, open), `${rule.alert}: ${open}${close}`).toBe(count(expr, close));
        expect(expr, `${rule.alert}: no job/namespace label (scrape configs differ)`).not.toMatch(
          /\b(job|namespace)\s*=/,
        );
        const metrics = [...expr.matchAll(/\b(lessllm_[a-z0-9_]+)\b/g)].map((m) => m[1]);
        expect(metrics.length, `${rule.alert}: uses a LessLLM metric`).toBeGreaterThan(0);
        for (const metric of metrics)
          expect(exported.has(metric), `${rule.alert}: ${metric} is not exported by apps/ or libs/`).toBe(true);
      }
    }
    // Each alert has a promtool unit test case.
    const unitTests = text('deploy/prometheus/alerts.test.yaml');
    expect([...names].filter((alert) => !unitTests.includes(`alertname: ${alert}`))).toEqual([]);
    // The alerts the deployment guide promises.
    for (const metric of [
      'lessllm_gateway_calls_total',
      'lessllm_upstream_errors_total',
      'lessllm_events_dropped_total',
      'lessllm_event_buffer_depth',
      'lessllm_cache_lookups_total',
      'lessllm_router_fallbacks_total',
      'lessllm_analyzer_consumer_pending',
      'lessllm_analyzer_insert_failures_total',
    ])
      expect(text(rulesFile), metric).toContain(metric);
  });

  itWith(skipPromtool)(
    `promtool checks the rules, the compose Prometheus config and the rule unit tests${skipped(skipPromtool)}`,
    () => {
      const rulesCheck = run(promtool!, ['check', 'rules', at(rulesFile)]);
      expect(rulesCheck.status, rulesCheck.output).toBe(0);
      // prometheus.yml names the rule file by its path in the container; check it against the repository copy.
      const dir = mkdtempSync(join(tmpdir(), 'lessllm-prom-'));
      try {
        copyFileSync(at(rulesFile), join(dir, 'alerts.yaml'));
        writeFileSync(
          join(dir, 'prometheus.yml'),
          text('deploy/prometheus/prometheus.yml').replace('/etc/prometheus/alerts.yaml', join(dir, 'alerts.yaml')),
        );
        const configCheck = run(promtool!, ['check', 'config', join(dir, 'prometheus.yml')]);
        expect(configCheck.status, configCheck.output).toBe(0);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
      // Unit tests of when each alert fires, on a copy without annotations (promtool compares those verbatim).
      const unitDir = mkdtempSync(join(tmpdir(), 'lessllm-prom-unit-'));
      try {
        const bare = structuredClone(rules);
        for (const group of bare.groups) for (const rule of group.rules) delete rule.annotations;
        writeFileSync(join(unitDir, 'alerts.yaml'), stringifyYaml(bare));
        copyFileSync(at('deploy/prometheus/alerts.test.yaml'), join(unitDir, 'alerts.test.yaml'));
        const unit = run(promtool!, ['test', 'rules', 'alerts.test.yaml'], { cwd: unitDir });
        expect(unit.status, unit.output).toBe(0);
      } finally {
        rmSync(unitDir, { recursive: true, force: true });
      }
    },
  );
});

// =====================================================================================================================
// Dockerfile and .dockerignore
// =====================================================================================================================

describe('Dockerfile', () => {
  const dockerfile = text('Dockerfile');
  const stages = dockerfile.split(/^FROM /m).slice(1);
  const runtime = stages.at(-1)!;

  it('is multi-stage, runs as non-root, installs production dependencies without chdb', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(runtime).toMatch(/^USER (?!root|0\b)\S+/m);
    expect(dockerfile).toMatch(/npm ci [^\n]*--omit=dev[^\n]*--omit=optional/);
    expect(runtime).not.toMatch(/npm (ci|install)/); // dependencies come from the prod-deps stage
    expect(runtime).toMatch(/ENTRYPOINT \["node", "\/app\/dist\/apps\/cli\/src\/main\.js"\]/);
  });

  itWith(skipDockerfileLint)(`passes the dockerfile-utils validator${skipped(skipDockerfileLint)}`, () => {
    const diagnostics = dockerfileUtils!
      .validate(dockerfile)
      .map((d) => `Dockerfile:${d.range.start.line + 1}: ${d.message}`);
    expect(diagnostics).toEqual([]);
    expect(dockerfileUtils!.validate('FROM node:20\nCOPY --chwon=1 a b\nUSR 1000\n')).toHaveLength(2);
  });

  it('every file the build copies reaches the build context (.dockerignore) and covers tsconfig.build.json', () => {
    const ignored = dockerignoreMatcher(text('.dockerignore'));
    const copies = [...dockerfile.matchAll(/^COPY (?!--from)(.+)$/gm)]
      .map((m) => m[1].trim().split(/\s+/).slice(0, -1))
      .flat();
    expect(copies.length).toBeGreaterThan(0);
    for (const source of copies) {
      expect(existsSync(at(source)), `COPY ${source}: missing`).toBe(true);
      expect(ignored(source), `COPY ${source}: excluded by .dockerignore`).toBe(false);
    }
    for (const include of readYaml(at('tsconfig.build.json')).include as string[])
      expect(
        copies.some((c) => include === c || include.startsWith(`${c}/`)),
        `tsconfig.build.json include ${include} is not copied`,
      ).toBe(true);
    for (const secret of ['.env', 'lessllm.yaml', 'node_modules', 'dist', '.git', 'test/e2e/cli.e2e.ts'])
      expect(ignored(secret), `${secret} must stay out of the build context`).toBe(true);
    expect(ignored('apps/cli/src/main.ts')).toBe(false);
  });
});

function listTs(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return listTs(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') ? [path] : [];
  });
}

function count(haystack: string, needle: string): number {
  return haystack.split(needle).length - 1;
}
