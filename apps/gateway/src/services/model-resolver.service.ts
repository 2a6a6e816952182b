import { createProviderAdapter } from '@lessllm/providers';
import type { ProviderAdapter, ProviderConfig, UpstreamOperation } from '@lessllm/shared';
import { GatewayError } from '@lessllm/shared';
import { Inject, Injectable } from '@nestjs/common';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway-config';

/** One concrete place a call can go: a configured provider and the model name it is sent under. */
export interface ResolvedTarget {
  providerName: string;
  provider: ProviderConfig;
  adapter: ProviderAdapter;
  upstreamModel: string;
  /** `models.<alias>.max_output_tokens` when the target came from an alias that sets it. */
  maxOutputTokens?: number;
}

/** The primary target plus the fallbacks to try, in order, once its retries are spent. */
export interface ResolvedModel {
  requestedModel: string;
  targets: ResolvedTarget[];
}

const OPERATION_NAMES: Record<UpstreamOperation, string> = {
  chat: 'chat',
  embeddings: 'embeddings',
  count_tokens: 'token counting',
};

@Injectable()
export class ModelResolverService {
  private readonly adapters = new Map<string, ProviderAdapter>();

  constructor(@Inject(GATEWAY_CONFIG) private readonly loaded: GatewayConfig) {
    for (const [name, provider] of Object.entries(loaded.config.providers)) {
      this.adapters.set(name, createProviderAdapter(provider));
    }
  }

  resolve(requestedModel: string, operation: UpstreamOperation): ResolvedModel {
    const primary = this.resolveOne(requestedModel);
    if (!primary) throw this.notFound(requestedModel);
    const targets = [primary, ...this.fallbacksOf(requestedModel)];
    const usable = targets.filter((t) => t.adapter.supports.has(operation));
    if (usable.length === 0) {
      throw GatewayError.unsupported(
        'model',
        `The model \`${requestedModel}\` is served by ${primary.providerName} (${primary.provider.type}), which does not support ${OPERATION_NAMES[operation]}.`,
      );
    }
    return { requestedModel, targets: usable };
  }

  /** Every name a caller may use as `model`: aliases, then models providers list. */
  availableModels(): Array<{ id: string; provider: string }> {
    const { models, providers } = this.loaded.config;
    const out = Object.entries(models).map(([id, alias]) => ({ id, provider: alias.provider }));
    for (const [name, provider] of Object.entries(providers)) {
      for (const id of provider.models) if (!models[id]) out.push({ id, provider: name });
    }
    return out;
  }

  private resolveOne(name: string): ResolvedTarget | undefined {
    const { models, providers } = this.loaded.config;
    const alias = models[name];
    if (alias) {
      const target = this.target(alias.provider, alias.model);
      return alias.max_output_tokens === undefined ? target : { ...target, maxOutputTokens: alias.max_output_tokens };
    }
    for (const [providerName, provider] of Object.entries(providers)) {
      if (provider.models.includes(name)) return this.target(providerName, name);
    }
    // Without a config file, names route by the model family each provider kind declares (gpt-* to openai, ...).
    if (!this.loaded.fromFile) {
      for (const [providerName, adapter] of this.adapters) {
        if (adapter.modelFamily?.test(name)) return this.target(providerName, name);
      }
    }
    return undefined;
  }

  private fallbacksOf(name: string): ResolvedTarget[] {
    const seen = new Set([name]);
    const out: ResolvedTarget[] = [];
    const queue = [...(this.loaded.config.models[name]?.fallbacks ?? [])];
    while (queue.length > 0) {
      const next = queue.shift()!;
      if (seen.has(next)) continue;
      seen.add(next);
      const target = this.resolveOne(next);
      if (target) out.push(target);
    }
    return out;
  }

  private target(providerName: string, model: string): ResolvedTarget {
    return {
      providerName,
      provider: this.loaded.config.providers[providerName],
      adapter: this.adapters.get(providerName)!,
      upstreamModel: model,
    };
  }

  private notFound(name: string): GatewayError {
    const names = this.availableModels().map((m) => m.id);
    const list = names.length > 0 ? names.slice(0, 50).join(', ') : 'none configured';
    const hint = this.loaded.fromFile
      ? "Add it under `models:` (an alias) or a provider's `models:` list in lessllm.yaml."
      : "Without a config file, model names route by family (gpt-*, o*, text-embedding-* to OpenAI, claude-* to Anthropic, gemini-* to Gemini) when that provider's API key is set.";
    return new GatewayError(
      'model_not_found',
      `The model \`${name}\` does not exist on this gateway. Available models: ${list}. ${hint}`,
      'model',
      'model_not_found',
    );
  }
}
