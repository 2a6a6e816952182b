import { formatNamed } from '@lessllm/formats';
import { Controller, HttpCode, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ChatCallService } from '../services/chat-call.service';

@Controller('v1/messages')
export class MessagesController {
  constructor(private readonly chat: ChatCallService) {}

  @Post()
  @HttpCode(200)
  create(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.chat.handle(formatNamed('anthropic-messages'), req, reply);
  }
}
