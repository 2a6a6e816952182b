import type { CallEvent, LessLLMConfig, LoadedConfig } from '@lessllm/shared';
import { parseConfig } from '@lessllm/shared';
import pino from 'pino';
import { startGateway, type RunningGateway } from '../../apps/gateway/src/bootstrap';
import { BEHAVIOURS, startFakeAnthropic, startFakeOpenAI } from '../fakes';

export type FakeOpenAI = Awaited<ReturnType<typeof startFakeOpenAI>>;
export type FakeAnthropic = Awaited<ReturnType<typeof startFakeAnthropic>>;

export interface Harness {
  gateway: RunningGateway;
  /** Every JSON log line the gateway wrote (level debug and up). */
  logs: string[];
  openai: FakeOpenAI;
  anthropic: FakeAnthropic;
  /** Every CallEvent published so far. */
  events: CallEvent[];
  /** Resolves with the event for a request id once it has been published. */
  eventFor(requestId: string, timeoutMs?: number): Promise<CallEvent>;
  stop(): Promise<void>;
}

type RawConfig = Record<string, unknown>;

/** Fakes for both providers plus a gateway configured against them (config can be adjusted per suite). */
export async function startHarness(
  adjust: (fakes: { openai: FakeOpenAI; anthropic: FakeAnthropic }) => RawConfig,
): Promise<Harness> {
  const openai = await startFakeOpenAI();
  const anthropic = await startFakeAnthropic();
  const raw = adjust({ openai, anthropic });
  const loaded: LoadedConfig = parseConfig(raw, {}, true, 'test');
  const logs: string[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void logs.push(line) });
  const gateway = await startGateway({ config: loaded, port: 0, host: '127.0.0.1', logger });
  const events: CallEvent[] = [];
  const waiters = new Map<string, (event: CallEvent) => void>();
  gateway.bus.subscribe((event) => {
    events.push(event);
    waiters.get(event.request_id)?.(event);
  });
  return {
    gateway,
    logs,
    openai,
    anthropic,
    events,
    eventFor(requestId, timeoutMs = 5000) {
      const existing = events.find((e) => e.request_id === requestId);
      if (existing) return Promise.resolve(existing);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no CallEvent for ${requestId} within ${timeoutMs} ms`)),
          timeoutMs,
        );
        waiters.set(requestId, (event) => {
          clearTimeout(timer);
          resolve(event);
        });
      });
    },
    async stop() {
      await gateway.stop();
      await openai.stop();
      await anthropic.stop();
    },
  };
}

/** The standard test config: OpenAI and Anthropic fakes, aliases in both directions, one caller key per tenant. */
/** Another provider entry on the fake OpenAI, serving only the given OpenAI APIs (preferred first). */
export function fakeOpenAIProvider(
  fakes: { openai: FakeOpenAI },
  apis: Array<'chat_completions' | 'responses' | 'completions'>,
): Record<string, unknown> {
  return { type: 'openai', base_url: `${fakes.openai.url}/v1`, api_key: 'sk-fake-openai', apis };
}

export function standardConfig(
  fakes: { openai: FakeOpenAI; anthropic: FakeAnthropic },
  extra: Partial<LessLLMConfig> = {},
): RawConfig {
  return {
    providers: {
      openai: {
        type: 'openai',
        base_url: `${fakes.openai.url}/v1`,
        api_key: 'sk-fake-openai',
        models: ['gpt-4o-mini', 'text-embedding-3-small', ...BEHAVIOURS],
      },
      anthropic: {
        type: 'anthropic',
        base_url: fakes.anthropic.url,
        api_key: 'sk-ant-fake',
        models: ['claude-sonnet-4-5'],
      },
    },
    models: {
      'gpt-4o': { provider: 'openai', model: 'gpt-4o-2024-08-06' },
      claude: { provider: 'anthropic', model: 'claude-sonnet-4-5' },
      'claude-stream-odd': { provider: 'anthropic', model: 'stream-odd-splits' },
      'claude-stream-keepalive': { provider: 'anthropic', model: 'stream-keepalive' },
      'claude-stream-error': { provider: 'anthropic', model: 'stream-error-midway' },
      'claude-overloaded': { provider: 'anthropic', model: 'overloaded', fallbacks: ['gpt-4o'] },
      'claude-rate-limited': { provider: 'anthropic', model: 'rate-limited' },
      'claude-bad-request': { provider: 'anthropic', model: 'bad-request' },
      'claude-stream-slow': { provider: 'anthropic', model: 'stream-slow' },
    },
    auth: {
      admin_key: 'admin-key-123456',
      keys: [
        { key: 'team-a-key-123', tenant: 'team-a' },
        { key: 'team-b-key-456', tenant: 'team-b' },
      ],
    },
    retry: { max_retries: 2, base_delay_ms: 10, max_delay_ms: 50, max_retry_after_ms: 5000 },
    ...extra,
  };
}
