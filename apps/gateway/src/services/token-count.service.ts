import type { Json, WireFormat } from '@lessllm/formats';
import { TokenCounter } from '@lessllm/tokens';
import { Inject, Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway-config';
import { servedHeaders, writeJson } from '../http/caller-response';
import { admitJsonBody } from './body-admission';
import type { CallContext } from './call-context';
import { CallFailureService } from './call-failure.service';
import { CallOrchestratorService } from './call-orchestrator.service';
import { CallRecorderService } from './call-recorder.service';
import { CallerAuthService } from './caller-auth.service';
import { ModelResolverService, type ResolvedTarget } from './model-resolver.service';

/**
 * Token counting without generating (`POST /v1/messages/count_tokens`, `POST /v1/responses/input_tokens`): passed
 * to an upstream that counts in the caller's format, otherwise estimated with the gateway's tokenizer and marked
 * `x-lessllm-token-count: estimate`. Recorded like any call (endpoint `messages.count_tokens` /
 * `responses.input_tokens`, no cost).
 */
@Injectable()
export class TokenCountService {
  private readonly tokens = new TokenCounter();

  constructor(
    private readonly auth: CallerAuthService,
    private readonly resolver: ModelResolverService,
    private readonly orchestrator: CallOrchestratorService,
    private readonly recorder: CallRecorderService,
    private readonly failures: CallFailureService,
    @Inject(GATEWAY_CONFIG) private readonly loaded: GatewayConfig,
  ) {}

  async handle(format: WireFormat, req: FastifyRequest, reply: FastifyReply): Promise<void> {
    const counting = format.counting!;
    const caller = this.auth.authenticate(req.headers);
    const ctx = this.recorder.begin(req, reply, format.name, counting.endpoint, format);
    ctx.caller = caller;
    try {
      admitJsonBody(ctx, req.body, this.loaded.config.limits.json_depth);
      const body = counting.validate(req.body);
      const model = typeof body.model === 'string' ? body.model : '';
      ctx.requestedModel = model;
      ctx.userId = format.request.userId(body);
      const { targets } = this.resolver.resolve(model, 'chat');
      const counters = targets.filter((t) => countsInFormat(t, format));
      if (counters.length > 0) return await this.passThrough(ctx, format, body, counters, req, reply);
      const primary = targets[0];
      ctx.target = primary;
      const answer = counting.answer(this.tokens.renderPrompt(body, format, primary.upstreamModel).tokens);
      reply.hijack();
      writeJson(
        reply.raw,
        200,
        {
          'x-request-id': ctx.requestId,
          'x-lessllm-provider': primary.providerName,
          'x-lessllm-model': primary.upstreamModel,
          'x-lessllm-token-count': 'estimate',
        },
        JSON.stringify(answer),
      );
      this.recorder.record(ctx, {
        status: 'success',
        httpStatus: 200,
        response: answer,
        servedModel: primary.upstreamModel,
      });
    } catch (err) {
      this.failures.handle(ctx, err, reply);
    }
  }

  private async passThrough(
    ctx: CallContext,
    format: WireFormat,
    body: Json,
    targets: ResolvedTarget[],
    req: FastifyRequest,
    reply: FastifyReply,
  ): Promise<void> {
    const q = req.url.indexOf('?');
    const { target, result } = await this.orchestrator.execute(
      ctx,
      targets,
      (t) => ({
        endpoint: t.adapter.endpoint({
          operation: 'count_tokens',
          format: format.name,
          model: t.upstreamModel,
          apiKey: ctx.caller?.providerKey ?? t.provider.api_key ?? '',
          callerHeaders: req.headers,
          query: q === -1 ? '' : req.url.slice(q + 1),
        }),
        body: JSON.stringify({ ...body, model: t.upstreamModel }),
        format: format.name,
      }),
      async (_t, res) => ({ text: await res.body.text(), headers: res.headers }),
    );
    reply.hijack();
    writeJson(reply.raw, 200, servedHeaders(result.headers, { requestId: ctx.requestId, ...target }), result.text);
    let answer: Json | null = null;
    try {
      answer = JSON.parse(result.text) as Json;
    } catch {
      answer = null;
    }
    this.recorder.record(ctx, {
      status: 'success',
      httpStatus: 200,
      response: answer,
      servedModel: target.upstreamModel,
    });
  }
}

/** The target counts tokens itself for requests in this format (Anthropic for Messages, OpenAI for Responses). */
function countsInFormat(target: ResolvedTarget, format: WireFormat): boolean {
  return target.adapter.supports.has('count_tokens') && target.adapter.chatFormats.includes(format.name);
}
