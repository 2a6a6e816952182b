import { Controller, Get, Headers, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { CallerAuthService } from '../services/caller-auth.service';
import { ModelResolverService } from '../services/model-resolver.service';

/** GET /v1/models in OpenAI's list shape, or Anthropic's when the caller sends anthropic-version. */
@Controller('v1/models')
export class ModelsController {
  private readonly created = Math.floor(Date.now() / 1000);

  constructor(
    private readonly auth: CallerAuthService,
    private readonly resolver: ModelResolverService,
  ) {}

  @Get()
  list(@Req() req: FastifyRequest, @Headers('anthropic-version') anthropicVersion?: string): unknown {
    this.auth.authenticate(req.headers);
    const models = this.resolver.availableModels();
    if (anthropicVersion) {
      const data = models.map((m) => ({
        type: 'model',
        id: m.id,
        display_name: m.id,
        created_at: new Date(this.created * 1000).toISOString(),
      }));
      return { data, has_more: false, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null };
    }
    return {
      object: 'list',
      data: models.map((m) => ({ id: m.id, object: 'model', created: this.created, owned_by: m.provider })),
    };
  }
}
