import { GatewayError } from '@lessllm/shared';
import { isRecord } from '../common/guards';
import type { IRRequest } from '../ir/chat';
import type { TranslationContext } from '../translation-context';

type Json = Record<string, unknown>;

/** The legacy API's default output length when the caller gives none (responses-api.md §9). */
export const COMPLETIONS_DEFAULT_MAX_TOKENS = 16;

/**
 * A legacy completion as one user turn, for an upstream without /v1/completions. Only exact where the prompt is a
 * single text: echo, suffix, logprobs and best_of cannot be reproduced by a chat model and are refused.
 */
export function completionsRequestToIR(req: Json, ctx: TranslationContext): IRRequest {
  const why = '(no chat model can reproduce it; use a provider that serves /v1/completions)';
  if (req.echo === true) throw GatewayError.unsupported('echo', `echo is not supported ${ctx.onTarget} ${why}`);
  if (typeof req.suffix === 'string' && req.suffix)
    throw GatewayError.unsupported('suffix', `suffix is not supported ${ctx.onTarget} ${why}`);
  if (req.logprobs != null)
    throw GatewayError.unsupported('logprobs', `logprobs is not supported ${ctx.onTarget} ${why}`);
  if (req.best_of != null && req.best_of !== 1)
    throw GatewayError.unsupported('best_of', `best_of is not supported ${ctx.onTarget} ${why}`);
  const prompt = singlePrompt(req.prompt, ctx);
  const ir: IRRequest = {
    model: typeof req.model === 'string' ? req.model : '',
    system: [],
    messages: [{ role: 'user', parts: [{ type: 'text', text: prompt, path: 'prompt' }] }],
    tools: [],
    maxOutputTokens: typeof req.max_tokens === 'number' ? req.max_tokens : COMPLETIONS_DEFAULT_MAX_TOKENS,
    sampling: {},
    stream: req.stream === true,
  };
  if (typeof req.temperature === 'number') ir.temperature = req.temperature;
  if (typeof req.top_p === 'number') ir.topP = req.top_p;
  if (typeof req.stop === 'string' && req.stop) ir.stop = [req.stop];
  else if (Array.isArray(req.stop) && req.stop.length > 0) ir.stop = req.stop as string[];
  if (typeof req.n === 'number') ir.sampling.n = req.n;
  if (typeof req.presence_penalty === 'number') ir.sampling.presencePenalty = req.presence_penalty;
  if (typeof req.frequency_penalty === 'number') ir.sampling.frequencyPenalty = req.frequency_penalty;
  if (isRecord(req.logit_bias)) ir.sampling.logitBias = req.logit_bias;
  if (typeof req.seed === 'number') ir.sampling.seed = req.seed;
  if (typeof req.user === 'string' && req.user) ir.user = req.user;
  return ir;
}

function singlePrompt(prompt: unknown, ctx: TranslationContext): string {
  if (typeof prompt === 'string') return prompt;
  if (Array.isArray(prompt) && prompt.length === 1 && typeof prompt[0] === 'string') return prompt[0];
  if (Array.isArray(prompt) && prompt.every((p) => typeof p === 'string')) {
    throw GatewayError.unsupported(
      'prompt',
      `a batch of ${prompt.length} prompts is not supported ${ctx.onTarget} (send one prompt per request)`,
    );
  }
  throw GatewayError.unsupported(
    'prompt',
    `a prompt of token ids is not supported ${ctx.onTarget} (send the prompt as text)`,
  );
}

/** Chat turns have no exact legacy-completion form (a chat template would be a guess): refused. */
export function completionsRequestFromIR(_ir: IRRequest, ctx: TranslationContext): Json {
  throw GatewayError.unsupported(
    'model',
    `chat requests cannot be sent ${ctx.onTarget} (a chat template would be a guess); give the provider another API in apis:`,
  );
}
