import { normalizeOpenAIUsage } from '@lessllm/formats';
import type { OpenAIEmbeddingsRequest, OpenAIUsage } from '@lessllm/shared';
import { Inject, Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway-config';
import { embeddingsRequestSchema, validateBody } from '../dtos/request-validation';
import { servedHeaders, writeJson } from '../http/caller-response';
import { admitJsonBody } from './body-admission';
import { CallFailureService } from './call-failure.service';
import { CallOrchestratorService } from './call-orchestrator.service';
import { CallRecorderService } from './call-recorder.service';
import { CallerAuthService } from './caller-auth.service';
import { ModelResolverService } from './model-resolver.service';

interface EmbeddingsSummary {
  model?: string;
  usage?: OpenAIUsage;
  data?: unknown[];
}

/** Embeddings: OpenAI format in and out (Anthropic has no embeddings API); the body passes through. */
@Injectable()
export class EmbeddingsCallService {
  constructor(
    private readonly auth: CallerAuthService,
    private readonly resolver: ModelResolverService,
    private readonly orchestrator: CallOrchestratorService,
    private readonly recorder: CallRecorderService,
    private readonly failures: CallFailureService,
    @Inject(GATEWAY_CONFIG) private readonly loaded: GatewayConfig,
  ) {}

  async handle(req: FastifyRequest, reply: FastifyReply): Promise<void> {
    const caller = this.auth.authenticate(req.headers);
    const ctx = this.recorder.begin(req, reply, 'openai-embeddings', 'embeddings');
    ctx.caller = caller;
    try {
      admitJsonBody(ctx, req.body, this.loaded.config.limits.json_depth);
      const body = validateBody(embeddingsRequestSchema, req.body) as OpenAIEmbeddingsRequest;
      ctx.requestedModel = body.model;
      ctx.userId = typeof body.user === 'string' ? body.user : null;
      const { targets } = this.resolver.resolve(body.model, 'embeddings');
      const { target, result } = await this.orchestrator.execute(
        ctx,
        targets,
        (t) => ({
          endpoint: t.adapter.endpoint({
            operation: 'embeddings',
            model: t.upstreamModel,
            apiKey: ctx.caller?.providerKey ?? t.provider.api_key ?? '',
          }),
          body: JSON.stringify({ ...body, model: t.upstreamModel }),
          format: 'openai-embeddings',
        }),
        async (_t, res) => ({ bytes: Buffer.from(await res.body.arrayBuffer()), headers: res.headers }),
      );
      reply.hijack();
      writeJson(reply.raw, 200, servedHeaders(result.headers, { requestId: ctx.requestId, ...target }), result.bytes);
      // After the response: vectors are not worth keeping in call records, only their count and usage.
      const parsed = safeParse(result.bytes);
      this.recorder.record(ctx, {
        status: 'success',
        httpStatus: 200,
        response: parsed
          ? { object: 'list', model: parsed.model, usage: parsed.usage, data_count: parsed.data?.length ?? 0 }
          : null,
        usageRaw: parsed?.usage ?? null,
        usage: parsed?.usage
          ? normalizeOpenAIUsage({ ...parsed.usage, completion_tokens: parsed.usage.completion_tokens ?? 0 })
          : null,
        servedModel: parsed?.model ?? null,
      });
    } catch (err) {
      this.failures.handle(ctx, err, reply);
    }
  }
}

function safeParse(bytes: Buffer): EmbeddingsSummary | null {
  try {
    return JSON.parse(bytes.toString('utf8')) as EmbeddingsSummary;
  } catch {
    return null;
  }
}
