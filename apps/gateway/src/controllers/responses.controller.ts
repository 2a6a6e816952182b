import { formatNamed } from '@lessllm/formats';
import { Controller, Delete, Get, HttpCode, Param, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { responseNotFound, ResponsesStateExtension } from '../responses/responses-state.extension';
import { CallerAuthService } from '../services/caller-auth.service';
import { ChatCallService } from '../services/chat-call.service';
import { TokenCountService } from '../services/token-count.service';

/** The OpenAI Responses API: create (SSE or JSON), and the responses the gateway stored. */
@Controller('v1/responses')
export class ResponsesController {
  constructor(
    private readonly chat: ChatCallService,
    private readonly auth: CallerAuthService,
    private readonly state: ResponsesStateExtension,
    private readonly tokens: TokenCountService,
  ) {}

  @Post()
  @HttpCode(200)
  create(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.chat.handle(formatNamed('openai-responses'), req, reply);
  }

  @Post('input_tokens')
  @HttpCode(200)
  inputTokens(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.tokens.handle(formatNamed('openai-responses'), req, reply);
  }

  @Get(':id')
  async retrieve(@Req() req: FastifyRequest, @Param('id') id: string): Promise<unknown> {
    const caller = this.auth.authenticate(req.headers);
    const entry = await this.state.get(caller.tenant, id);
    if (!entry) throw responseNotFound(id);
    return entry.response;
  }

  @Delete(':id')
  async remove(@Req() req: FastifyRequest, @Param('id') id: string): Promise<unknown> {
    const caller = this.auth.authenticate(req.headers);
    if (!(await this.state.delete(caller.tenant, id))) throw responseNotFound(id);
    return { id, object: 'response.deleted', deleted: true };
  }
}
