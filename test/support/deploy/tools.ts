import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';

export interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
  /** stdout and stderr, for assertion messages. */
  output: string;
}

/** Runs a command to completion (no shell), with a time limit. */
export function run(
  command: string,
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): RunResult {
  const result = spawnSync(command, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    encoding: 'utf8',
    timeout: options.timeoutMs ?? 60_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  const stdout = result.stdout ?? '';
  const stderr = (result.stderr ?? '') + (result.error ? `\n${result.error.message}` : '');
  return { status: result.status, stdout, stderr, output: `${stdout}\n${stderr}`.trim() };
}

/** Absolute path of an executable on PATH (plus the sbin folders, where Debian puts nginx), or null. */
export function which(name: string): string | null {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/local/sbin', '/usr/sbin', '/sbin'];
  for (const dir of dirs) {
    if (!dir) continue;
    const candidate = join(dir, name);
    if (existsSync(candidate)) return candidate;
  }
  return null;
}

/** First line a command prints about its version (for the test log), or 'unknown'. */
export function versionOf(command: string, args: readonly string[]): string {
  const { output } = run(command, args, { timeoutMs: 15_000 });
  return output.split('\n').find((line) => line.trim() !== '') ?? 'unknown';
}

/** Announces, once at collection time, a check that is skipped because its tool is missing, and why. */
export function announceSkip(check: string, reason: string): string {
  const message = `SKIPPED ${check}: ${reason}`;
  process.stderr.write(`[deploy-manifests] ${message}\n`);
  return message;
}
