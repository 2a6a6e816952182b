import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.loader';

// The example in the repository root is what users copy: it must load as it is, every documented block included.
const EXAMPLE = path.resolve(__dirname, '../../../../lessllm.example.yaml');

describe('lessllm.example.yaml', () => {
  it('loads with its required variables set, and configures what the README says it does', () => {
    const text = readFileSync(EXAMPLE, 'utf8');
    const required = [...text.matchAll(/\$\{([A-Z0-9_]+)\}/g)].map((m) => m[1]);
    expect(required.length).toBeGreaterThan(0);
    const env = Object.fromEntries(required.map((name) => [name, `value-of-${name.toLowerCase()}-123456`]));
    const { config } = loadConfig(EXAMPLE, env);
    expect(Object.keys(config.providers).length).toBeGreaterThan(0);
    expect(Object.keys(config.models).length).toBeGreaterThan(0);
    expect(config.providers.openai.api_key).toBe(env.OPENAI_API_KEY);
    expect(config.translation.reasoning_budgets.high).toBe(16384);
    expect(config.responses.ttl_s).toBe(604800);
    expect(config.analyzer.spool).toMatchObject({ enabled: true, fsync_interval_ms: 25, max_mb: 1024 });
    expect(config.analytics).toMatchObject({ max_result_mb: 100, max_concurrent: 2 });
  });

  it('the commented-out examples load too once uncommented (apis, betas, max_output_tokens)', () => {
    const text = readFileSync(EXAMPLE, 'utf8')
      .replace('# apis: [', 'apis: [')
      .replace('# headers: { anthropic-beta:', 'headers: { anthropic-beta:')
      .replace("# 'local': { provider: vllm,", "'local': { provider: openai,");
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'lessllm-example-')), 'lessllm.yaml');
    writeFileSync(file, text);
    const env = { OPENAI_API_KEY: 'sk-1234567890', ANTHROPIC_API_KEY: 'sk-ant-1234567890' };
    const { config } = loadConfig(file, {
      ...env,
      LESSLLM_ADMIN_KEY: 'admin-1234567890',
      TEAM_A_KEY: 'team-a-1234567890',
    });
    expect(config.providers.openai.apis).toEqual(['chat_completions', 'responses', 'completions']);
    expect(config.providers.anthropic.headers).toEqual({ 'anthropic-beta': 'context-1m-2025-08-07' });
    expect(config.models.local.max_output_tokens).toBe(8192);
  });

  it('fails naming the variable when one is missing', () => {
    expect(() => loadConfig(EXAMPLE, {})).toThrow(/OPENAI_API_KEY/);
  });
});
