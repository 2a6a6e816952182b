import type { ProviderAdapter, ProviderConfig, ProviderType } from '@lessllm/shared';
import { createAnthropicAdapter } from './anthropic/api';
import { createAzureAdapter } from './azure/api';
import { createGeminiAdapter } from './gemini/api';
import { createOpenAIAdapter } from './openai/api';

/** Adding a provider kind: one folder and one line here. */
const FACTORIES: Record<ProviderType, (config: ProviderConfig) => ProviderAdapter> = {
  openai: createOpenAIAdapter,
  anthropic: createAnthropicAdapter,
  azure: createAzureAdapter,
  gemini: createGeminiAdapter,
};

export function createProviderAdapter(config: ProviderConfig): ProviderAdapter {
  return FACTORIES[config.type](config);
}
