import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseConfig } from './config.loader';

function writeYaml(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'lessllm-config-'));
  const file = join(dir, 'lessllm.yaml');
  writeFileSync(file, text);
  return file;
}

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

const ISSUE_EXAMPLE = `
proxy:
  http_proxy: "http://user:pass@proxy.corp:8080"
  no_proxy: ["localhost", "127.0.0.1"]
providers:
  openai:    { type: openai, base_url: "https://api.openai.com/v1", api_key: "\${OPENAI_API_KEY}" }
  anthropic: { type: anthropic, base_url: "https://api.anthropic.com", api_key: "\${ANTHROPIC_API_KEY}" }
models:
  "gpt-4":  { provider: openai, model: "gpt-4-0613" }
  "claude": { provider: anthropic, model: "claude-3-opus-20240229", fallbacks: ["gpt-4"] }
server: { port: 8000 }
auth:
  admin_key: "\${LESSLLM_ADMIN_KEY}"
  keys:
    - { key: "\${TEAM_A_KEY}", tenant: "team-a" }
`;

const ENV = {
  OPENAI_API_KEY: 'sk-o-123456',
  ANTHROPIC_API_KEY: 'sk-a-123456',
  LESSLLM_ADMIN_KEY: 'admin-123456',
  TEAM_A_KEY: 'team-a-key-1',
};

describe('config loader', () => {
  it('loads the documented example with ${ENV} substitution and defaults', () => {
    const { config, fromFile } = loadConfig(writeYaml(ISSUE_EXAMPLE), ENV);
    expect(fromFile).toBe(true);
    expect(config.providers.openai.api_key).toBe('sk-o-123456');
    expect(config.auth?.keys[0]).toEqual({ key: 'team-a-key-1', tenant: 'team-a' });
    expect(config.models.claude.fallbacks).toEqual(['gpt-4']);
    expect(config.proxy?.no_proxy).toEqual(['localhost', '127.0.0.1']);
    expect(config.server.body_limit_mb).toBe(32);
    expect(config.retry.max_retries).toBe(2);
  });

  it('names the key whose environment variable is missing', () => {
    const env: Record<string, string> = { ...ENV, TEAM_A_KEY: '' };
    const problems = problemsOf(() => loadConfig(writeYaml(ISSUE_EXAMPLE), env));
    expect(problems.join('\n')).toContain('auth.keys[0].key: environment variable TEAM_A_KEY is not set');
  });

  it('supports ${VAR:-default}', () => {
    const { config } = parseConfig({ server: { host: '${BIND:-127.0.0.1}' } }, {}, true, 'test');
    expect(config.server.host).toBe('127.0.0.1');
  });

  it('rejects unknown keys, bad types and dangling references, naming each key', () => {
    const problems = problemsOf(() =>
      parseConfig(
        {
          providers: {
            openai: { type: 'openai', api_key: 'k', base_ur: 'x' },
            weird: { type: 'cohere', api_key: 'k' },
          },
          models: { a: { provider: 'nope', model: 'm' }, b: { provider: 'openai', model: 'm', fallbacks: ['zzz'] } },
          server: { port: 'eighty' },
        },
        {},
        true,
        'test',
      ),
    );
    const text = problems.join('\n');
    expect(text).toContain('providers.openai: unknown key(s) "base_ur"');
    expect(text).toContain('providers.weird.type');
    expect(text).toContain('server.port');
  });

  it('reports cross-reference problems once the shape is valid', () => {
    const problems = problemsOf(() =>
      parseConfig(
        {
          providers: { openai: { type: 'openai', api_key: 'k' } },
          models: { a: { provider: 'nope', model: 'm', fallbacks: ['zzz'] } },
        },
        {},
        true,
        'test',
      ),
    );
    expect(problems).toContain('models.a.provider: "nope" is not defined under providers (defined: openai)');
    expect(problems).toContain('models.a.fallbacks: "zzz" is not a model alias defined under models');
  });

  it('rejects a malformed proxy URL with the fix', () => {
    const problems = problemsOf(() => parseConfig({ proxy: { socks_proxy: 'ftp://x' } }, {}, true, 'test'));
    expect(problems[0]).toMatch(/^proxy\.socks_proxy: must be a URL like/);
  });

  it('asks for a semantic threshold when the embedder is a model (0.85 was measured for the lexical one)', () => {
    const semantic = (extra: object) => ({ cache: { semantic: { enabled: true, ...extra } } });
    const model = { model: 'text-embedding-3-small', dimensions: 1536 };
    const problems = problemsOf(() => parseConfig(semantic({ embedder: model }), {}, true, 'test'));
    expect(problems[0]).toMatch(/^cache\.semantic\.threshold: is required when cache\.semantic\.embedder is a model/);
    const ok = parseConfig(semantic({ embedder: model, threshold: 0.95 }), {}, true, 'test').config.cache.semantic;
    expect(ok.embedder).toEqual({ ...model, timeout_ms: 300 });
    expect(parseConfig(semantic({}), {}, true, 'test').config.cache.semantic.embedder).toBe('lexical');
    expect(problemsOf(() => parseConfig(semantic({ embedder: 'neural' }), {}, true, 'test'))[0]).toMatch(
      /^cache\.semantic\.embedder: /,
    );
  });

  it('builds providers from environment variables alone, with env overrides', () => {
    const { config, fromFile } = loadConfig(undefined, {
      OPENAI_API_KEY: 'sk-env',
      ANTHROPIC_BASE_URL: 'http://x',
      LESSLLM_PORT: '9001',
    });
    expect(fromFile).toBe(false);
    expect(Object.keys(config.providers)).toEqual(['openai']);
    expect(config.providers.openai.api_key).toBe('sk-env');
    expect(config.server.port).toBe(9001);
  });

  it('says when the file cannot be read or is not YAML', () => {
    expect(problemsOf(() => loadConfig('/nonexistent/lessllm.yaml', {}))[0]).toContain(
      'cannot read the config file (ENOENT)',
    );
    expect(problemsOf(() => loadConfig(writeYaml('a: [1, 2'), {}))[0]).toContain('not valid YAML');
  });
});

describe('example config', () => {
  it('lessllm.example.yaml in the repository root loads', () => {
    const env = { OPENAI_API_KEY: 'a', ANTHROPIC_API_KEY: 'b', LESSLLM_ADMIN_KEY: '12345678', TEAM_A_KEY: '12345678' };
    const { config } = loadConfig(join(__dirname, '../../../../lessllm.example.yaml'), env);
    expect(config.proxy?.https_proxy).toBeUndefined(); // ${HTTPS_PROXY_URL:-} left empty = no proxy
    expect(Object.keys(config.models)).toEqual(['gpt-4', 'claude']);
  });
});

describe('shipped deployment config', () => {
  it('deploy/k8s/lessllm.yaml loads with its secrets set', () => {
    const env = { OPENAI_API_KEY: 'a', ANTHROPIC_API_KEY: 'b', LESSLLM_ADMIN_KEY: '12345678', TEAM_A_KEY: '12345678' };
    const { config } = loadConfig(join(__dirname, '../../../../deploy/k8s/lessllm.yaml'), env);
    expect(config.models.claude.fallbacks).toEqual(['gpt-4o']);
  });
});
