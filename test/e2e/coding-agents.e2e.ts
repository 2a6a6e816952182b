import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeOpenAIProvider, standardConfig, startHarness, type Harness } from '../support/harness';

/**
 * The two coding agents from npm, headless against the gateway (installed into .agents/ by .ci/install-agents.sh).
 * The fake model answers the first turn with a call to the first tool the agent offers; the agent runs it and sends
 * the result back; the fake then answers "tool said: <result>". So a run that prints "tool said:" went through two
 * full turns, tool call and tool result included, in the agent's own wire format.
 */
/** Runs a command with stdin closed (agents read a prompt from an open stdin and would wait for it). */
function run(
  command: string,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; timeout: number },
): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeout);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve({ stdout, stderr });
      else
        reject(
          new Error(
            `${path.basename(command)} exited ${code}\nstdout: ${stdout.slice(-2000)}\nstderr: ${stderr.slice(-2000)}`,
          ),
        );
    });
  });
}
const AGENTS = path.resolve(__dirname, '../../.agents/node_modules/.bin');
const CODEX = path.join(AGENTS, 'codex');
const CLAUDE = path.join(AGENTS, 'claude');
const installed = existsSync(CODEX) && existsSync(CLAUDE);
if (!installed) console.warn(`coding agents: skipped, ${AGENTS} has no codex/claude (run bash .ci/install-agents.sh)`);

let h: Harness;
let scratch: string;

beforeAll(async () => {
  if (!installed) return;
  h = await startHarness((fakes) => {
    const config = standardConfig(fakes) as Record<string, any>;
    config.providers['openai-resp'] = fakeOpenAIProvider(fakes, ['responses']);
    config.models['gpt-resp'] = { provider: 'openai-resp', model: 'gpt-4o-2024-08-06' };
    // A Claude model that takes system turns inside the conversation (Claude Code sends them).
    config.models['claude-code'] = { provider: 'anthropic', model: 'claude-opus-4-8' };
    return config;
  });
  scratch = mkdtempSync(path.join(tmpdir(), 'lessllm-agents-'));
});
afterAll(async () => {
  if (!installed) return;
  await h.stop();
  rmSync(scratch, { recursive: true, force: true });
});

function workspace(name: string): { home: string; cwd: string } {
  const home = path.join(scratch, name, 'home');
  const cwd = path.join(scratch, name, 'work');
  mkdirSync(home, { recursive: true });
  mkdirSync(cwd, { recursive: true });
  return { home, cwd };
}

async function codex(model: string): Promise<{ stdout: string; stderr: string }> {
  const { home, cwd } = workspace(`codex-${model}`);
  mkdirSync(path.join(home, '.codex'), { recursive: true });
  writeFileSync(
    path.join(home, '.codex', 'config.toml'),
    [
      `model = "${model}"`,
      'model_provider = "lessllm"',
      '',
      '[model_providers.lessllm]',
      'name = "LessLLM"',
      `base_url = "${h.gateway.url}/v1"`,
      'env_key = "LESSLLM_KEY"',
      'wire_api = "responses"',
      '',
    ].join('\n'),
  );
  return run(CODEX, ['exec', '--skip-git-repo-check', 'list the files here'], {
    cwd,
    env: { PATH: process.env.PATH, HOME: home, LESSLLM_KEY: 'team-a-key-123', NO_COLOR: '1' },
    timeout: 90_000,
  });
}

async function claude(model: string): Promise<Record<string, any>> {
  const { home, cwd } = workspace(`claude-${model}`);
  const { stdout } = await run(CLAUDE, ['-p', 'list the files here', '--output-format', 'json', '--model', model], {
    cwd,
    env: {
      PATH: process.env.PATH,
      HOME: home,
      ANTHROPIC_BASE_URL: h.gateway.url,
      ANTHROPIC_API_KEY: 'team-a-key-123',
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
      DISABLE_TELEMETRY: '1',
      DISABLE_AUTOUPDATER: '1',
      DISABLE_ERROR_REPORTING: '1',
    },
    timeout: 90_000,
  });
  return JSON.parse(stdout) as Record<string, any>;
}

describe.skipIf(!installed)('Codex CLI (codex exec, wire_api = "responses")', () => {
  for (const [model, upstream] of [
    ['gpt-resp', 'openai-responses'],
    ['claude', 'anthropic-messages'],
    ['gpt-4o', 'openai-chat'],
  ] as const) {
    it(`runs a tool turn end to end on ${model} (${upstream} upstream)`, async () => {
      const before = h.events.length;
      const { stdout } = await codex(model);
      expect(stdout).toContain('tool said:');
      const events = h.events.slice(before);
      expect(events.length).toBeGreaterThanOrEqual(2);
      for (const event of events) {
        expect(event).toMatchObject({
          endpoint: 'responses',
          caller_format: 'openai-responses',
          upstream_format: upstream,
          status: 'success',
          is_streaming: true,
        });
        expect(event.usage?.prompt_tokens).toBeGreaterThan(0);
      }
      // The second turn carried the command's output back as a function_call_output.
      const input = (events[1].request as any).input as any[];
      expect(input.some((item) => item.type === 'function_call_output')).toBe(true);
    }, 120_000);
  }
});

describe.skipIf(!installed)('Claude Code (claude -p, ANTHROPIC_BASE_URL)', () => {
  for (const [model, upstream] of [
    ['claude-code', 'anthropic-messages'],
    ['gpt-4o', 'openai-chat'],
    ['gpt-resp', 'openai-responses'],
  ] as const) {
    it(`runs a tool turn end to end on ${model} (${upstream} upstream)`, async () => {
      const before = h.events.length;
      const beforeAnthropic = h.anthropic.requests.length;
      const result = await claude(model);
      expect(result).toMatchObject({ is_error: false, subtype: 'success' });
      expect(result.num_turns).toBeGreaterThanOrEqual(2);
      expect(result.result).toContain('tool said:');
      const events = h.events.slice(before).filter((e) => e.endpoint === 'messages');
      expect(events.length).toBeGreaterThanOrEqual(2);
      for (const event of events)
        expect(event).toMatchObject({
          caller_format: 'anthropic-messages',
          upstream_format: upstream,
          status: 'success',
        });
      if (upstream === 'anthropic-messages') {
        const sent = h.anthropic.requests.slice(beforeAnthropic).at(-1)!;
        // Claude Code's betas and its beta-only fields (context_management) reached Anthropic together.
        expect(sent.headers['anthropic-beta']).toContain('context-management-');
        expect(sent.body).toHaveProperty('context_management');
      }
    }, 120_000);
  }
});
