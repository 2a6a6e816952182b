import { randomUUID } from 'node:crypto';
import { behaviourOf } from '../shared/behaviour';
import type { FakeRequest } from '../shared/server';
import { SseWriter } from '../shared/sse-writer';
import { applyStop, countWords, estimateTokens, isRecord, splitWords, truncateWords } from '../shared/text';
import { applyFailureBehaviour } from './failures';
import type { OpenAIFakeState } from './options';
import { ERRORS, openaiError, openaiHeaders, sendError, sendJson } from './respond';

type Json = Record<string, unknown>;

/** Chat models are refused here, as OpenAI refuses them on /v1/completions. */
const CHAT_MODEL = /^(gpt-4|gpt-5|o\d|chatgpt)/;

/**
 * `POST /v1/completions`: each prompt is answered `echo: <prompt>` (cut by `max_tokens`, default 16 as on OpenAI,
 * and `stop`); `echo` puts the prompt in front, `logprobs` adds per-token log probabilities, `n` repeats choices.
 */
export async function handleCompletions(fake: FakeRequest, state: OpenAIFakeState): Promise<void> {
  if (fake.bodyInvalid) return sendError(fake, state, 400, ERRORS.invalidJson);
  const body = isRecord(fake.body) ? fake.body : {};
  if (typeof body.model !== 'string' || !body.model) return sendError(fake, state, 400, ERRORS.missingModel);
  if (body.prompt === undefined) return sendError(fake, state, 400, ERRORS.missing('prompt'));
  if (CHAT_MODEL.test(body.model)) {
    return sendError(
      fake,
      state,
      404,
      openaiError(
        'This is a chat model and not supported in the v1/completions endpoint. Did you mean to use v1/chat/completions?',
        'invalid_request_error',
        'model',
        null,
      ),
    );
  }
  const behaviour = behaviourOf(body.model);
  if (await applyFailureBehaviour(fake, state, behaviour, body.model)) return;
  const prompts: string[] =
    typeof body.prompt === 'string'
      ? [body.prompt]
      : Array.isArray(body.prompt) && body.prompt.every((p) => typeof p === 'string')
        ? body.prompt
        : ['<tokens>'];
  const n = typeof body.n === 'number' ? body.n : 1;
  const max = typeof body.max_tokens === 'number' ? body.max_tokens : 16;
  const stops = typeof body.stop === 'string' ? [body.stop] : Array.isArray(body.stop) ? (body.stop as string[]) : [];
  const choices: Json[] = [];
  let completionTokens = 0;
  prompts.forEach((prompt) => {
    for (let k = 0; k < n; k++) {
      let text = applyStop(`echo: ${prompt}`, stops).text;
      let finish = 'stop';
      if (countWords(text) > max) {
        text = truncateWords(text, max);
        finish = 'length';
      }
      completionTokens += countWords(text);
      if (body.echo === true) text = prompt + text;
      const logprobs =
        typeof body.logprobs === 'number'
          ? {
              tokens: splitWords(text),
              token_logprobs: splitWords(text).map(() => -0.1),
              top_logprobs: null,
              text_offset: [],
            }
          : null;
      choices.push({ index: choices.length, text, logprobs, finish_reason: finish });
    }
  });
  const promptTokens = estimateTokens(prompts.join('').length, 0);
  const usage = {
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: promptTokens + completionTokens,
  };
  const meta = {
    id: `cmpl-${randomUUID().replace(/-/g, '').slice(0, 24)}`,
    object: 'text_completion',
    created: Math.floor(Date.now() / 1000),
    model: body.model,
  };
  if (body.stream !== true) return sendJson(fake, state, 200, { ...meta, choices, usage });
  const writer = new SseWriter(fake.res, fake.signal);
  writer.open(openaiHeaders(fake, state));
  for (const choice of choices) {
    for (const word of splitWords(String(choice.text))) {
      if (
        !(await writer.send(
          JSON.stringify({
            ...meta,
            choices: [{ index: choice.index, text: word, logprobs: null, finish_reason: null }],
          }),
        ))
      )
        return;
    }
    await writer.send(
      JSON.stringify({
        ...meta,
        choices: [{ index: choice.index, text: '', logprobs: null, finish_reason: choice.finish_reason }],
      }),
    );
  }
  const includeUsage = isRecord(body.stream_options) && body.stream_options.include_usage === true;
  if (includeUsage) await writer.send(JSON.stringify({ ...meta, choices: [], usage }));
  if (await writer.send('[DONE]')) writer.end();
}
