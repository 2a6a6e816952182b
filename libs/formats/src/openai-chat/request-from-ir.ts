import {
  GatewayError,
  type OpenAIChatRequest,
  type OpenAIContentPart,
  type OpenAIMessage,
  type OpenAITool,
} from '@lessllm/shared';
import { CUSTOM_TOOL_PARAMETERS, customToolDescription, wrapCustomInput } from '../common/custom-tools';
import { describe } from '../common/guards';
import { dataUrl } from '../common/media';
import { isOpenAIReasoningModel, shortUserId } from '../common/model-families';
import type { IRFile, IRImage, IRMessage, IRPart, IRRequest, IRText } from '../ir/chat';
import { effortForBudget, type TranslationContext } from '../translation-context';

const DEFAULT_PARAMETERS: Record<string, unknown> = { type: 'object', properties: {} };

/** An internal request as a Chat Completions request for an OpenAI-compatible upstream. */
export function chatRequestFromIR(ir: IRRequest, ctx: TranslationContext): OpenAIChatRequest {
  const model = ctx.upstreamModel;
  if (ir.topK !== undefined) {
    throw GatewayError.unsupported('top_k', `top_k is not supported ${ctx.onTarget} (OpenAI has no top-k sampling)`);
  }
  const messages: OpenAIMessage[] = [];
  const system = ir.system.map((b) => b.text).join('\n');
  if (system) messages.push({ role: ir.systemRole ?? 'system', content: system });
  for (const message of ir.messages) messages.push(...chatMessages(message, ctx));
  if (
    ir.system.some((b) => b.cacheControl) ||
    ir.messages.some((m) => m.parts.some((p) => 'cacheControl' in p && p.cacheControl))
  ) {
    ctx.drop('cache_control', 'OpenAI caches prompt prefixes automatically');
  }

  const out: OpenAIChatRequest = { model, messages };
  const budget = ctx.outputBudget(ir.maxOutputTokens, 'max_tokens');
  if (budget !== undefined) {
    // Reasoning models reject `max_tokens` and want `max_completion_tokens` (providers.md §1.2).
    if (isOpenAIReasoningModel(model)) out.max_completion_tokens = budget;
    else out.max_tokens = budget;
  }
  if (ir.tools.length > 0) {
    out.tools = ir.tools.map((tool): OpenAITool => {
      if (tool.custom) {
        return {
          type: 'function',
          function: {
            name: tool.name,
            description: customToolDescription(tool.description),
            parameters: CUSTOM_TOOL_PARAMETERS,
          },
        };
      }
      const fn: OpenAITool['function'] = { name: tool.name };
      if (tool.description !== undefined) fn.description = tool.description;
      fn.parameters = tool.parameters ?? DEFAULT_PARAMETERS;
      if (tool.strict === true) fn.strict = true;
      return { type: 'function', function: fn };
    });
    // OpenAI rejects tool_choice and parallel_tool_calls without tools, so they are only sent along with tools.
    const choice = ir.toolChoice;
    if (choice !== undefined)
      out.tool_choice = typeof choice === 'string' ? choice : { type: 'function', function: { name: choice.name } };
    if (ir.parallelToolCalls === false) out.parallel_tool_calls = false;
  }
  if (ir.temperature !== undefined) out.temperature = ir.temperature;
  if (ir.topP !== undefined) out.top_p = ir.topP;
  if (ir.stop) out.stop = ir.stop;
  if (ir.user) out.user = shortUserId(ir.user);
  if (ir.output?.type === 'json_object') out.response_format = { type: 'json_object' };
  else if (ir.output?.type === 'json_schema') {
    const spec: Record<string, unknown> = { name: ir.output.name ?? 'output', schema: ir.output.schema };
    if (ir.output.strict !== undefined) spec.strict = ir.output.strict;
    if (ir.output.description !== undefined) spec.description = ir.output.description;
    out.response_format = { type: 'json_schema', json_schema: spec };
  }
  writeReasoning(ir, out, ctx);
  writeSampling(ir, out);
  if (ir.promptCacheKey !== undefined) {
    // OpenAI-compatible servers other than OpenAI's may reject the unknown field.
    if (ctx.reachesOpenAI) out.prompt_cache_key = ir.promptCacheKey;
    else ctx.drop('prompt_cache_key', 'only OpenAI routes prompt caches by key');
  }
  if (ir.metadata !== undefined) ctx.drop('metadata', 'Chat Completions only keeps metadata with stored completions');
  if (ir.serviceTier !== undefined) ctx.drop('service_tier', 'service tiers differ between APIs');
  if (ir.verbosity !== undefined) {
    if (isOpenAIReasoningModel(model)) out.verbosity = ir.verbosity;
    else ctx.drop('verbosity', 'only GPT-5 models take a verbosity');
  }
  if (ir.stream) {
    out.stream = true;
    // Anthropic and Responses streams always end with usage; OpenAI only sends it when asked.
    out.stream_options = { include_usage: true };
  }
  return out;
}

function writeReasoning(ir: IRRequest, out: OpenAIChatRequest, ctx: TranslationContext): void {
  const r = ir.reasoning;
  if (!r) return;
  if (!isOpenAIReasoningModel(ctx.upstreamModel)) {
    if (r.enabled) ctx.drop('thinking', `${ctx.upstreamModel} is not a reasoning model`);
    return;
  }
  if (!r.enabled) {
    out.reasoning_effort = 'none';
    return;
  }
  // Adaptive thinking with no stated effort: the model's own default.
  const effort =
    r.effort ??
    (r.budgetTokens !== undefined ? effortForBudget(r.budgetTokens, ctx.options.reasoningBudgets) : undefined);
  if (effort) out.reasoning_effort = effort;
}

function writeSampling(ir: IRRequest, out: OpenAIChatRequest): void {
  const s = ir.sampling;
  if (s.n !== undefined && s.n !== 1) out.n = s.n;
  if (s.logprobs === true) out.logprobs = true;
  if (s.topLogprobs !== undefined && s.topLogprobs > 0) {
    out.logprobs = true;
    out.top_logprobs = s.topLogprobs;
  }
  if (s.presencePenalty !== undefined && s.presencePenalty !== 0) out.presence_penalty = s.presencePenalty;
  if (s.frequencyPenalty !== undefined && s.frequencyPenalty !== 0) out.frequency_penalty = s.frequencyPenalty;
  if (s.logitBias && Object.keys(s.logitBias).length > 0) out.logit_bias = s.logitBias;
  if (s.seed !== undefined) out.seed = s.seed;
}

function chatMessages(message: IRMessage, ctx: TranslationContext): OpenAIMessage[] {
  switch (message.role) {
    case 'system':
      return [{ role: message.systemRole ?? 'system', content: textOf(message.parts) }];
    case 'tool':
      return message.parts.flatMap((p) => (p.type === 'tool_result' ? [toolMessage(p, ctx)] : []));
    case 'user': {
      const parts = message.parts.map((p) => userPart(p, ctx));
      if (parts.length === 0) return [];
      const content = parts.length === 1 && parts[0].type === 'text' ? (parts[0] as { text: string }).text : parts;
      return [{ role: 'user', content }];
    }
    case 'assistant': {
      const texts: string[] = [];
      const toolCalls: NonNullable<OpenAIMessage['tool_calls']> = [];
      for (const part of message.parts) {
        if (part.type === 'text' || part.type === 'refusal') texts.push(part.text);
        else if (part.type === 'tool_call') {
          toolCalls.push({
            id: part.id,
            type: 'function',
            function: { name: part.name, arguments: part.custom ? wrapCustomInput(part.arguments) : part.arguments },
          });
        }
        // reasoning: OpenAI cannot take earlier reasoning back; the visible turn stays intact without it
      }
      if (texts.length === 0 && toolCalls.length === 0) return [];
      const out: OpenAIMessage = { role: 'assistant', content: texts.length > 0 ? texts.join('') : null };
      if (toolCalls.length > 0) out.tool_calls = toolCalls;
      return [out];
    }
  }
}

function textOf(parts: IRPart[]): string {
  return parts.map((p) => (p.type === 'text' ? p.text : '')).join('\n');
}

function userPart(part: IRPart, ctx: TranslationContext): OpenAIContentPart {
  switch (part.type) {
    case 'text':
      return { type: 'text', text: part.text };
    case 'image':
      return imagePart(part, ctx);
    case 'file':
      return filePart(part, ctx);
    default:
      throw GatewayError.unsupported(
        part.path ?? 'messages',
        `content of type ${describe(part.type)} is not supported in a user turn ${ctx.onTarget}`,
      );
  }
}

function imagePart(image: IRImage, ctx: TranslationContext): OpenAIContentPart {
  if (image.fileId !== undefined) {
    throw GatewayError.unsupported(
      image.path ?? 'messages',
      `an image given as a file id is not supported ${ctx.onTarget}; send the image as base64 or a URL`,
    );
  }
  const url = image.url ?? dataUrl(image.mediaType, image.data ?? '');
  return {
    type: 'image_url',
    image_url: {
      url,
      ...(image.detail === 'low' || image.detail === 'high' || image.detail === 'auto' ? { detail: image.detail } : {}),
    },
  };
}

function filePart(file: IRFile, ctx: TranslationContext): OpenAIContentPart {
  if (file.data !== undefined && file.mediaType === 'text/plain') {
    return { type: 'text', text: Buffer.from(file.data, 'base64').toString('utf8') };
  }
  if (file.data === undefined) {
    throw GatewayError.unsupported(
      file.path ?? 'messages',
      `a document given by ${file.url ? 'URL' : 'file id'} is not supported ${ctx.onTarget}; send it as base64 data`,
    );
  }
  return {
    type: 'file',
    file: {
      file_data: dataUrl(file.mediaType ?? 'application/pdf', file.data),
      filename: file.filename ?? 'document.pdf',
    },
  };
}

function toolMessage(result: Extract<IRPart, { type: 'tool_result' }>, ctx: TranslationContext): OpenAIMessage {
  const texts = result.content.map((block: IRText | IRImage | IRFile) => {
    if (block.type === 'text') return block.text;
    throw GatewayError.unsupported(
      block.path ?? result.path ?? 'messages',
      `tool_result content of type ${describe(block.type)} is not supported ${ctx.onTarget} (OpenAI tool messages carry text only)`,
    );
  });
  const text = texts.join('\n');
  return { role: 'tool', tool_call_id: result.callId, content: result.isError ? `Error: ${text}` : text };
}
