import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { configSchema, type LessLLMConfig, type ProviderConfig, type ProviderType } from './config.schema';

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid LessLLM configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export const DEFAULT_BASE_URLS: Record<ProviderType, string | undefined> = {
  openai: 'https://api.openai.com/v1',
  anthropic: 'https://api.anthropic.com',
  gemini: 'https://generativelanguage.googleapis.com/v1beta/openai',
  azure: undefined,
};

export interface LoadedConfig {
  config: LessLLMConfig;
  /** True when a config file was read; false when the gateway runs from environment variables alone. */
  fromFile: boolean;
  source: string;
}

type Env = Record<string, string | undefined>;

/** Replaces ${VAR} and ${VAR:-default} in every string of a parsed YAML tree; unset variables are reported by key. */
export function substituteEnv(node: unknown, env: Env, path: string, problems: string[]): unknown {
  if (typeof node === 'string') {
    return node.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g, (_match, name: string, fallback?: string) => {
      const value = env[name];
      if (value !== undefined && value !== '') return value;
      if (fallback !== undefined) return fallback;
      problems.push(
        `${path || '(root)'}: environment variable ${name} is not set (export it, or write \${${name}:-default})`,
      );
      return '';
    });
  }
  if (Array.isArray(node)) return node.map((item, i) => substituteEnv(item, env, `${path}[${i}]`, problems));
  if (node && typeof node === 'object') {
    return Object.fromEntries(
      Object.entries(node).map(([key, value]) => [
        key,
        substituteEnv(value, env, path ? `${path}.${key}` : key, problems),
      ]),
    );
  }
  return node;
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const key = issue.path.map(String).join('.') || '(root)';
  if (issue.code === 'unrecognized_keys') {
    return `${key}: unknown key(s) ${issue.keys.map((k) => `"${k}"`).join(', ')} (check the spelling; see README "Configuration")`;
  }
  return `${key}: ${issue.message}`;
}

function applyEnvOverrides(raw: Record<string, unknown>, env: Env): void {
  const server = ((raw.server as Record<string, unknown> | undefined) ??= {});
  if (env.LESSLLM_PORT) server.port = Number(env.LESSLLM_PORT);
  if (env.LESSLLM_HOST) server.host = env.LESSLLM_HOST;
  if (env.LESSLLM_LOG_LEVEL) server.log_level = env.LESSLLM_LOG_LEVEL;
  const section = (name: string) => ((raw[name] as Record<string, unknown> | undefined) ??= {});
  if (env.LESSLLM_NATS_URL) section('events').nats_url = env.LESSLLM_NATS_URL;
  if (env.LESSLLM_CLICKHOUSE_URL) section('storage').clickhouse_url = env.LESSLLM_CLICKHOUSE_URL;
  if (env.LESSLLM_CLICKHOUSE_USER) section('storage').username = env.LESSLLM_CLICKHOUSE_USER;
  if (env.LESSLLM_CLICKHOUSE_PASSWORD) section('storage').password = env.LESSLLM_CLICKHOUSE_PASSWORD;
  if (env.LESSLLM_CLICKHOUSE_QUERY_USER) section('storage').query_username = env.LESSLLM_CLICKHOUSE_QUERY_USER;
  if (env.LESSLLM_CLICKHOUSE_QUERY_PASSWORD) section('storage').query_password = env.LESSLLM_CLICKHOUSE_QUERY_PASSWORD;
  if (env.LESSLLM_DATA_DIR) section('storage').data_dir = env.LESSLLM_DATA_DIR;
  if (env.LESSLLM_ADMIN_KEY) {
    const auth = ((raw.auth as Record<string, unknown> | undefined) ??= {});
    auth.admin_key = env.LESSLLM_ADMIN_KEY;
  }
}

/** Providers from OPENAI_API_KEY / ANTHROPIC_API_KEY / GEMINI_API_KEY (+ *_BASE_URL) when no file is given. */
function providersFromEnv(env: Env): Record<string, Partial<ProviderConfig>> {
  const providers: Record<string, Partial<ProviderConfig>> = {};
  const add = (name: ProviderType, keyVar: string, urlVar: string) => {
    if (!env[keyVar]) return;
    providers[name] = { type: name, api_key: env[keyVar], ...(env[urlVar] ? { base_url: env[urlVar] } : {}) };
  };
  add('openai', 'OPENAI_API_KEY', 'OPENAI_BASE_URL');
  add('anthropic', 'ANTHROPIC_API_KEY', 'ANTHROPIC_BASE_URL');
  add('gemini', 'GEMINI_API_KEY', 'GEMINI_BASE_URL');
  return providers;
}

function proxyFromEnv(env: Env): Record<string, unknown> | undefined {
  if (!env.LESSLLM_PROXY) return undefined;
  return {
    proxies: env.LESSLLM_PROXY.split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    no_proxy: (env.LESSLLM_NO_PROXY ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    allow_direct: env.LESSLLM_PROXY_ALLOW_DIRECT === 'true',
  };
}

function crossCheck(config: LessLLMConfig, fromFile: boolean, problems: string[]): void {
  const byok = config.auth?.bring_your_own_key ?? false;
  for (const [name, provider] of Object.entries(config.providers)) {
    if (!provider.base_url && !DEFAULT_BASE_URLS[provider.type]) {
      problems.push(
        `providers.${name}.base_url: required for type ${provider.type} (e.g. https://my-resource.openai.azure.com)`,
      );
    }
    if (provider.apis && (provider.type === 'anthropic' || provider.type === 'gemini')) {
      problems.push(
        `providers.${name}.apis: only openai and azure providers choose their APIs (${provider.type} speaks ${provider.type === 'anthropic' ? 'Messages' : 'Chat Completions'}); remove the key`,
      );
    }
    if (!provider.api_key && !byok && fromFile) {
      problems.push(
        `providers.${name}.api_key: missing (set it, e.g. api_key: "\${${name.toUpperCase()}_API_KEY}", or enable auth.bring_your_own_key)`,
      );
    }
  }
  for (const [alias, target] of Object.entries(config.models)) {
    if (!config.providers[target.provider]) {
      problems.push(
        `models.${alias}.provider: "${target.provider}" is not defined under providers (defined: ${Object.keys(config.providers).join(', ') || 'none'})`,
      );
    }
    for (const fallback of target.fallbacks) {
      if (!config.models[fallback])
        problems.push(`models.${alias}.fallbacks: "${fallback}" is not a model alias defined under models`);
      if (fallback === alias) problems.push(`models.${alias}.fallbacks: an alias cannot fall back to itself`);
    }
  }
  if (config.router) checkRouter(config, problems);
  if (
    config.auth &&
    config.auth.keys.length === 0 &&
    !config.auth.bring_your_own_key &&
    config.auth.admin_key === undefined
  ) {
    problems.push('auth: the block is empty; give keys, admin_key or bring_your_own_key, or remove it to run open');
  }
}

/** Model names the router answers to: `auto` and every tier name. */
export const AUTO_MODEL = 'auto';

function checkRouter(config: LessLLMConfig, problems: string[]): void {
  const router = config.router!;
  const tiers = Object.keys(router.tiers);
  if (tiers.length < 2) problems.push('router.tiers: give at least two tiers, cheapest first (e.g. small, large)');
  if (!router.tiers[router.default_tier])
    problems.push(`router.default_tier: "${router.default_tier}" is not one of router.tiers (${tiers.join(', ')})`);
  for (const [name, tier] of Object.entries(router.tiers)) {
    if (name === AUTO_MODEL) problems.push('router.tiers.auto: "auto" is reserved (it asks the router to choose)');
    if (config.models[name])
      problems.push(`router.tiers.${name}: the name is also a model alias; rename the tier or the alias`);
    if (Object.keys(config.models).length > 0 && !config.models[tier.model])
      problems.push(`router.tiers.${name}.model: "${tier.model}" is not a model alias defined under models`);
  }
  if (router.classifier === 'trained' && !router.weights_file)
    problems.push('router.weights_file: required with classifier: trained (write one with `lessllm router train`)');
  if (router.classifier === 'llm' && !router.llm)
    problems.push('router.llm: required with classifier: llm ({ base_url, model, api_key })');
}

export function parseConfig(raw: unknown, env: Env, fromFile: boolean, source: string): LoadedConfig {
  const problems: string[] = [];
  const substituted = (substituteEnv(raw ?? {}, env, '', problems) ?? {}) as Record<string, unknown>;
  if (typeof substituted !== 'object' || Array.isArray(substituted))
    throw new ConfigError([`${source}: the top level must be a mapping`]);
  if (!fromFile) {
    substituted.providers = providersFromEnv(env);
    const proxy = proxyFromEnv(env);
    if (proxy) substituted.proxy = proxy;
  }
  applyEnvOverrides(substituted, env);
  const result = configSchema.safeParse(substituted);
  if (!result.success) throw new ConfigError([...problems, ...result.error.issues.map(describeIssue)]);
  crossCheck(result.data, fromFile, problems);
  if (problems.length > 0) throw new ConfigError(problems);
  return { config: result.data, fromFile, source };
}

/** Loads lessllm.yaml (path, or LESSLLM_CONFIG), or builds the config from environment variables alone. */
export function loadConfig(path: string | undefined, env: Env = process.env): LoadedConfig {
  const file = path ?? env.LESSLLM_CONFIG;
  if (!file) return parseConfig({}, env, false, 'environment');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError([
      `${file}: cannot read the config file (${(err as NodeJS.ErrnoException).code ?? String(err)})`,
    ]);
  }
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    throw new ConfigError([`${file}: not valid YAML: ${(err as Error).message.split('\n')[0]}`]);
  }
  return parseConfig(raw, env, true, file);
}
