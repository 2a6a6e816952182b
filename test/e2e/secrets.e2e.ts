import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { standardConfig, startHarness, type Harness } from '../support/harness';

const SECRETS = [
  'sk-fake-openai',
  'sk-ant-fake',
  'team-a-key-123',
  'team-b-key-456',
  'admin-key-123456',
  'wrong-caller-key-999',
];
let h: Harness;

beforeAll(async () => {
  h = await startHarness((fakes) => standardConfig(fakes));
});
afterAll(() => h.stop());

describe('secrets stay secret', () => {
  it('no caller or provider key appears in logs, events or error bodies, whatever the outcome', async () => {
    const openai = new OpenAI({ baseURL: `${h.gateway.url}/v1`, apiKey: 'team-a-key-123', maxRetries: 0 });
    const anthropic = new Anthropic({ baseURL: h.gateway.url, apiKey: 'team-b-key-456', maxRetries: 0 });
    const stranger = new OpenAI({ baseURL: `${h.gateway.url}/v1`, apiKey: 'wrong-caller-key-999', maxRetries: 0 });
    const bodies: string[] = [];
    const keep = (e: unknown) => void bodies.push(JSON.stringify((e as { error?: unknown }).error ?? String(e)));
    await openai.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'ok' }] });
    await anthropic.messages.create({ model: 'claude', max_tokens: 5, messages: [{ role: 'user', content: 'ok' }] });
    await openai.chat.completions
      .create({ model: 'bad-request', messages: [{ role: 'user', content: 'x' }] })
      .catch(keep);
    await openai.chat.completions.create({ model: 'nope', messages: [{ role: 'user', content: 'x' }] }).catch(keep);
    await stranger.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] }).catch(keep);
    await anthropic.messages
      .create({ model: 'claude-overloaded', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] })
      .catch(keep);
    await new Promise((r) => setTimeout(r, 20));
    expect(h.events.length).toBeGreaterThanOrEqual(5);
    expect(h.logs.length).toBeGreaterThan(0);
    const everything = [...h.logs, ...h.events.map((e) => JSON.stringify(e)), ...bodies].join('\n');
    for (const secret of SECRETS) expect(everything).not.toContain(secret);
  });
});
