import type { LoadedConfig } from '@lessllm/shared';
import { checkAdmin } from '@lessllm/shared';
import { Body, Controller, Get, HttpCode, Inject, Post, Query, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Readable } from 'node:stream';
import { AnalyticsService } from './analytics.service';
import { ANALYTICS_CONFIG } from './analytics.tokens';

const CONTENT_TYPES = {
  parquet: 'application/vnd.apache.parquet',
  csv: 'text/csv; charset=utf-8',
  jsonl: 'application/x-ndjson',
};

const list = (value: unknown): string[] | undefined =>
  typeof value === 'string' && value !== ''
    ? value
        .split(',')
        .map((v) => v.trim())
        .filter(Boolean)
    : undefined;

/** The analytics API: admin key only. */
@Controller('v1/analytics')
export class AnalyticsController {
  constructor(
    @Inject(ANALYTICS_CONFIG) private readonly loaded: LoadedConfig,
    private readonly analytics: AnalyticsService,
  ) {}

  /** `{"rows": [...], "row_count": N}`, written from ClickHouse's JSON bytes (never parsed into objects here). */
  @Post('query')
  @HttpCode(200)
  async query(
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
    @Body() body: { sql?: unknown; max_rows?: unknown } | undefined,
  ): Promise<void> {
    checkAdmin(this.loaded.config.auth, req.headers);
    const answer = await this.analytics.query(body?.sql, body?.max_rows);
    void reply
      .header('content-type', 'application/json; charset=utf-8')
      .header('x-request-id', req.id)
      .send(Readable.from(answer.body));
  }

  @Get('usage')
  usage(@Req() req: FastifyRequest, @Query('days') days?: string) {
    checkAdmin(this.loaded.config.auth, req.headers);
    return this.analytics.usage(days);
  }

  @Get('export')
  async export(
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
    @Query() q: Record<string, string | undefined>,
  ): Promise<void> {
    checkAdmin(this.loaded.config.auth, req.headers);
    const { format, body, release } = await this.analytics.exportCalls(q.format, {
      since: q.since,
      until: q.until,
      models: list(q.model ?? q.models),
      users: list(q.user ?? q.users),
    });
    reply.raw.once('close', release);
    void reply
      .header('content-type', CONTENT_TYPES[format])
      .header('content-disposition', `attachment; filename="api_calls.${format}"`)
      .header('x-request-id', req.id)
      .send(Readable.from(body));
  }
}
