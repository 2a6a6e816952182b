import { MetricsController } from '@lessllm/http';
import type { AppLogger, CallEventBus } from '@lessllm/shared';
import {
  CALL_EVENT_BUS,
  createMetricsRegistry,
  METRICS_REGISTRY,
  RESPONSE_CACHE_STORE,
  ROUTER_PORT,
} from '@lessllm/shared';
import { Module, type DynamicModule } from '@nestjs/common';
import type { Registry } from 'prom-client';
import { CacheAdminService } from './cache/cache-admin.service';
import { createResponseCacheStore } from './cache/response-cache-store.factory';
import { ResponseCacheService } from './cache/response-cache.service';
import { createSemanticEmbedder, SEMANTIC_EMBEDDER } from './cache/semantic-embedder.factory';
import { createSemanticIndex, SEMANTIC_INDEX } from './cache/semantic-index.factory';
import { SemanticResponseCacheService } from './cache/semantic-response-cache.service';
import { GATEWAY_CONFIG, type GatewayConfig } from './config/gateway-config';
import { GATEWAY_LOGGER } from './config/logger.token';
import { CacheAdminController } from './controllers/cache-admin.controller';
import { ChatCompletionsController } from './controllers/chat-completions.controller';
import { CompletionsController } from './controllers/completions.controller';
import { EmbeddingsController } from './controllers/embeddings.controller';
import { HealthController } from './controllers/health.controller';
import { MessagesController } from './controllers/messages.controller';
import { ModelsController } from './controllers/models.controller';
import { ResponsesController } from './controllers/responses.controller';
import { GatewayMetricsService } from './observability/gateway-metrics.service';
import { ResponsesStateExtension } from './responses/responses-state.extension';
import { createResponsesStateStore, RESPONSES_STATE_STORE } from './responses/responses-state.store';
import { RoutePlannerService } from './routing/route-planner.service';
import { createRouterPort } from './routing/router-port.factory';
import type { Embedder } from './semantic-cache';
import { CALL_EXTENSIONS, CallExtensions } from './services/call-extensions';
import { CallFailureService } from './services/call-failure.service';
import { CallOrchestratorService } from './services/call-orchestrator.service';
import { CallRecorderService } from './services/call-recorder.service';
import { CallerAuthService } from './services/caller-auth.service';
import { ChatCallService } from './services/chat-call.service';
import { EmbeddingsCallService } from './services/embeddings-call.service';
import { InFlightCalls } from './services/in-flight-calls';
import { ModelResolverService } from './services/model-resolver.service';
import { TokenCountService } from './services/token-count.service';
import { UpstreamClientService } from './services/upstream-client.service';

export interface GatewayModuleOptions {
  config: GatewayConfig;
  bus: CallEventBus;
  logger: AppLogger;
  imports?: DynamicModule[];
  /** Prometheus registry served at /metrics (default: a new one labelled service="gateway"). */
  metrics?: Registry;
}

@Module({})
export class GatewayModule {
  static forRoot(options: GatewayModuleOptions): DynamicModule {
    return {
      module: GatewayModule,
      imports: options.imports ?? [],
      controllers: [
        ChatCompletionsController,
        MessagesController,
        ResponsesController,
        CompletionsController,
        EmbeddingsController,
        ModelsController,
        HealthController,
        CacheAdminController,
        MetricsController,
      ],
      providers: [
        { provide: GATEWAY_CONFIG, useValue: options.config },
        { provide: CALL_EVENT_BUS, useValue: options.bus },
        { provide: GATEWAY_LOGGER, useValue: options.logger },
        { provide: METRICS_REGISTRY, useValue: options.metrics ?? createMetricsRegistry('gateway') },
        GatewayMetricsService,
        {
          provide: RESPONSE_CACHE_STORE,
          useFactory: () => createResponseCacheStore(options.config.config.cache, options.logger),
        },
        ResponseCacheService,
        {
          provide: SEMANTIC_EMBEDDER,
          useFactory: (resolver: ModelResolverService, upstream: UpstreamClientService) =>
            createSemanticEmbedder(options.config.config, resolver, upstream),
          inject: [ModelResolverService, UpstreamClientService],
        },
        {
          provide: SEMANTIC_INDEX,
          useFactory: (embedder: Embedder) =>
            createSemanticIndex(options.config.config, embedder.dimensions, options.logger),
          inject: [SEMANTIC_EMBEDDER],
        },
        SemanticResponseCacheService,
        CacheAdminService,
        { provide: ROUTER_PORT, useFactory: () => createRouterPort(options.config.config, options.logger) },
        RoutePlannerService,
        CallerAuthService,
        ModelResolverService,
        UpstreamClientService,
        CallOrchestratorService,
        CallRecorderService,
        InFlightCalls,
        CallFailureService,
        {
          provide: RESPONSES_STATE_STORE,
          useFactory: () => createResponsesStateStore(options.config.config, options.logger),
        },
        ResponsesStateExtension,
        // Format-specific state between calls: one extension per format that needs one.
        {
          provide: CALL_EXTENSIONS,
          useFactory: (responses: ResponsesStateExtension) => [responses],
          inject: [ResponsesStateExtension],
        },
        TokenCountService,
        CallExtensions,
        ChatCallService,
        EmbeddingsCallService,
      ],
    };
  }
}
