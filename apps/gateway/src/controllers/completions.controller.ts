import { formatNamed } from '@lessllm/formats';
import { Controller, HttpCode, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ChatCallService } from '../services/chat-call.service';

/** Legacy completions (`POST /v1/completions`): vLLM, Ollama and eval harnesses still use them. */
@Controller('v1/completions')
export class CompletionsController {
  constructor(private readonly chat: ChatCallService) {}

  @Post()
  @HttpCode(200)
  create(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.chat.handle(formatNamed('openai-completions'), req, reply);
  }
}
