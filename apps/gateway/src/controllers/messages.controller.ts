import { formatNamed } from '@lessllm/formats';
import { Controller, HttpCode, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ChatCallService } from '../services/chat-call.service';
import { TokenCountService } from '../services/token-count.service';

@Controller('v1/messages')
export class MessagesController {
  constructor(
    private readonly chat: ChatCallService,
    private readonly tokens: TokenCountService,
  ) {}

  @Post()
  @HttpCode(200)
  create(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.chat.handle(formatNamed('anthropic-messages'), req, reply);
  }

  /** Claude Code and the agent SDKs count tokens to manage their context (`?beta=true` included). */
  @Post('count_tokens')
  @HttpCode(200)
  countTokens(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.tokens.handle(formatNamed('anthropic-messages'), req, reply);
  }
}
