import { formatNamed } from '@lessllm/formats';
import { Controller, HttpCode, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ChatCallService } from '../services/chat-call.service';

@Controller('v1/chat/completions')
export class ChatCompletionsController {
  constructor(private readonly chat: ChatCallService) {}

  @Post()
  @HttpCode(200)
  create(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.chat.handle(formatNamed('openai-chat'), req, reply);
  }
}
