import { checkAdmin } from '@lessllm/shared';
import { Body, Controller, Get, HttpCode, Inject, Post, Query, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { CacheAdminService } from '../cache/cache-admin.service';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway-config';
import { parsePurgeRequest, parseStatsQuery } from '../dtos/cache-admin-validation';

/** Response-cache administration: admin key only. */
@Controller('v1/admin/cache')
export class CacheAdminController {
  constructor(
    @Inject(GATEWAY_CONFIG) private readonly loaded: GatewayConfig,
    private readonly admin: CacheAdminService,
  ) {}

  @Get('stats')
  stats(@Req() req: FastifyRequest, @Query() query: Record<string, unknown>) {
    checkAdmin(this.loaded.config.auth, req.headers, 'cache admin');
    return this.admin.stats(parseStatsQuery(query));
  }

  @Post('purge')
  @HttpCode(200)
  purge(@Req() req: FastifyRequest, @Body() body: unknown) {
    checkAdmin(this.loaded.config.auth, req.headers, 'cache admin');
    return this.admin.purge(parsePurgeRequest(body));
  }
}
