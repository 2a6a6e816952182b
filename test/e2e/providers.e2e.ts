import Anthropic from '@anthropic-ai/sdk';
import { parseConfig } from '@lessllm/shared';
import OpenAI from 'openai';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type RunningGateway } from '../../apps/gateway/src/bootstrap';
import { startFakeAnthropic, startFakeOpenAI } from '../fakes';
import type { FakeAnthropic, FakeOpenAI } from '../support/harness';

let openaiFake: FakeOpenAI;
let anthropicFake: FakeAnthropic;
const quiet = pino({ level: 'silent' });

beforeAll(async () => {
  openaiFake = await startFakeOpenAI();
  anthropicFake = await startFakeAnthropic();
});
afterAll(async () => {
  await openaiFake.stop();
  await anthropicFake.stop();
});

async function gatewayWith(
  raw: Record<string, unknown>,
  env: Record<string, string> = {},
  fromFile = true,
): Promise<RunningGateway> {
  return startGateway({ config: parseConfig(raw, env, fromFile, 'test'), port: 0, host: '127.0.0.1', logger: quiet });
}

describe('Azure OpenAI', () => {
  it('classic deployments API: deployment in the path, api-version query, api-key header', async () => {
    const gw = await gatewayWith({
      providers: {
        az: {
          type: 'azure',
          base_url: openaiFake.url,
          api_key: 'sk-fake-openai',
          api_version: '2024-10-21',
          deployments: { 'gpt-4o': 'my-gpt4o-deployment' },
        },
      },
      models: { 'gpt-4o': { provider: 'az', model: 'gpt-4o' } },
    });
    try {
      const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'unused', maxRetries: 0 });
      const res = await client.chat.completions.create({
        model: 'gpt-4o',
        messages: [{ role: 'user', content: 'azure hi' }],
      });
      expect(res.choices[0].message.content).toBe('echo: azure hi');
      const sent = openaiFake.requests.at(-1)!;
      expect(sent.path).toBe('/openai/deployments/my-gpt4o-deployment/chat/completions');
      expect(sent.query['api-version']).toBe('2024-10-21');
      expect(sent.headers['api-key']).toBe('sk-fake-openai');
      expect(sent.headers.authorization).toBeUndefined();
    } finally {
      await gw.stop();
    }
  });

  it('v1 API (no api_version): base_url …/openai/v1 and the deployment as model', async () => {
    const gw = await gatewayWith({
      providers: {
        az: { type: 'azure', base_url: `${openaiFake.url}/openai/v1`, api_key: 'sk-fake-openai', models: ['dep-1'] },
      },
    });
    try {
      const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'unused', maxRetries: 0 });
      await client.chat.completions.create({ model: 'dep-1', messages: [{ role: 'user', content: 'v1' }] });
      expect(openaiFake.requests.at(-1)!.path).toBe('/openai/v1/chat/completions');
      expect((openaiFake.requests.at(-1)!.body as { model: string }).model).toBe('dep-1');
    } finally {
      await gw.stop();
    }
  });
});

describe('Gemini (OpenAI-compatible endpoint)', () => {
  it('sends Bearer auth to …/v1beta/openai/chat/completions and streams back', async () => {
    const gw = await gatewayWith({
      providers: {
        gemini: {
          type: 'gemini',
          base_url: `${openaiFake.url}/v1beta/openai`,
          api_key: 'sk-fake-openai',
          models: ['gemini-2.5-flash'],
        },
      },
    });
    try {
      const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'unused', maxRetries: 0 });
      const stream = await client.chat.completions.create({
        model: 'gemini-2.5-flash',
        messages: [{ role: 'user', content: 'gem' }],
        stream: true,
      });
      let text = '';
      for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
      expect(text).toBe('echo: gem');
      expect(openaiFake.requests.at(-1)!.path).toBe('/v1beta/openai/chat/completions');
      expect(openaiFake.requests.at(-1)!.headers.authorization).toBe('Bearer sk-fake-openai');
    } finally {
      await gw.stop();
    }
  });
});

describe('environment variables alone (no config file)', () => {
  it('routes by model family to the providers whose keys are set; other names are 404', async () => {
    const env = {
      OPENAI_API_KEY: 'sk-fake-openai',
      OPENAI_BASE_URL: `${openaiFake.url}/v1`,
      ANTHROPIC_API_KEY: 'sk-ant-fake',
      ANTHROPIC_BASE_URL: anthropicFake.url,
    };
    const gw = await gatewayWith({}, env, false);
    try {
      const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'anything', maxRetries: 0 });
      const gpt = await client.chat.completions
        .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'fam' }] })
        .withResponse();
      expect(gpt.response.headers.get('x-lessllm-provider')).toBe('openai');
      const claude = await client.chat.completions
        .create({ model: 'claude-haiku-4-5', messages: [{ role: 'user', content: 'fam' }] })
        .withResponse();
      expect(claude.response.headers.get('x-lessllm-provider')).toBe('anthropic');
      expect(claude.data.choices[0].message.content).toBe('echo: fam');
      const err = (await client.chat.completions
        .create({ model: 'gemini-2.5-pro', messages: [{ role: 'user', content: 'x' }] })
        .catch((e: unknown) => e)) as InstanceType<typeof OpenAI.APIError>;
      expect(err.status).toBe(404); // no GEMINI_API_KEY
      expect(err.message).toContain('route by family');
    } finally {
      await gw.stop();
    }
  });

  it('with a config file, a family name that is neither alias nor listed model is a 404', async () => {
    const gw = await gatewayWith({
      providers: {
        openai: {
          type: 'openai',
          base_url: `${openaiFake.url}/v1`,
          api_key: 'sk-fake-openai',
          models: ['gpt-4o-mini'],
        },
      },
    });
    try {
      const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'anything', maxRetries: 0 });
      const err = (await client.chat.completions
        .create({ model: 'gpt-4.1', messages: [{ role: 'user', content: 'x' }] })
        .catch((e: unknown) => e)) as InstanceType<typeof OpenAI.APIError>;
      expect(err.status).toBe(404);
      expect(err.message).toContain('Available models: gpt-4o-mini');
    } finally {
      await gw.stop();
    }
  });
});

describe('bring your own provider key', () => {
  it('forwards the caller key upstream, never the server one, and isolates tenants by key digest', async () => {
    const gw = await gatewayWith({
      providers: {
        openai: { type: 'openai', base_url: `${openaiFake.url}/v1`, models: ['gpt-4o'] },
        anthropic: { type: 'anthropic', base_url: anthropicFake.url, models: ['claude-sonnet-4-5'] },
      },
      auth: { bring_your_own_key: true },
    });
    const events: Array<{ tenant: string | null }> = [];
    gw.bus.subscribe((e) => void events.push(e));
    try {
      const good = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'sk-fake-openai', maxRetries: 0 });
      expect(
        (await good.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'mine' }] }))
          .choices[0].message.content,
      ).toBe('echo: mine');
      expect(openaiFake.requests.at(-1)!.headers.authorization).toBe('Bearer sk-fake-openai');
      const bad = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'sk-someone-else', maxRetries: 0 });
      const err = (await bad.chat.completions
        .create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] })
        .catch((e: unknown) => e)) as InstanceType<typeof OpenAI.APIError>;
      expect(err.status).toBe(401); // the provider's own 401, passed through
      const claude = new Anthropic({ baseURL: gw.url, apiKey: 'sk-ant-fake', maxRetries: 0 });
      await claude.messages.create({
        model: 'claude-sonnet-4-5',
        max_tokens: 10,
        messages: [{ role: 'user', content: 'hi' }],
      });
      expect(anthropicFake.requests.at(-1)!.headers['x-api-key']).toBe('sk-ant-fake');
      await new Promise((r) => setTimeout(r, 20));
      expect(events[0].tenant).toMatch(/^byok-[0-9a-f]{16}$/);
      expect(events[0].tenant).not.toBe(events[1].tenant);
      expect(JSON.stringify(events)).not.toContain('sk-fake-openai');
    } finally {
      await gw.stop();
    }
  });
});
