import { GatewayError } from '@lessllm/shared';
import { describe } from '../common/guards';
import { dataUrl } from '../common/media';
import { isOpenAIReasoningModel, shortUserId } from '../common/model-families';
import { refuseNonZeroPenalties } from '../common/penalties';
import type { IRFile, IRImage, IRMessage, IRPart, IRRequest, IRText } from '../ir/chat';
import { effortForBudget, type TranslationContext } from '../translation-context';

type Json = Record<string, unknown>;

/** OpenAI's limits on `safety_identifier` and `metadata` (responses-api.md §2.1). */
const SAFETY_ID_MAX = 64;
const METADATA_MAX_PAIRS = 16;
const METADATA_VALUE_MAX = 512;

/** An internal request as a Responses API request, for a provider that speaks it (OpenAI, Azure). */
export function responsesRequestFromIR(ir: IRRequest, ctx: TranslationContext): Json {
  rejectUnmappable(ir, ctx);
  const out: Json = { model: ctx.upstreamModel };
  const instructions = ir.system.map((b) => b.text).join('\n');
  if (instructions) out.instructions = instructions;
  const input: Json[] = [];
  for (const message of ir.messages) input.push(...items(message, ctx));
  out.input = input;
  if (
    ir.system.some((b) => b.cacheControl) ||
    ir.messages.some((m) => m.parts.some((p) => 'cacheControl' in p && p.cacheControl))
  ) {
    ctx.drop('cache_control', 'OpenAI caches prompt prefixes automatically');
  }
  if (ir.tools.length > 0) {
    out.tools = ir.tools.map((tool) => {
      if (tool.custom)
        return { type: 'custom', name: tool.name, ...(tool.description ? { description: tool.description } : {}) };
      const t: Json = {
        type: 'function',
        name: tool.name,
        parameters: tool.parameters ?? { type: 'object', properties: {} },
      };
      if (tool.description !== undefined) t.description = tool.description;
      // Responses defaults `strict` to true; other formats to false: say it explicitly.
      t.strict = tool.strict === true;
      return t;
    });
    const choice = ir.toolChoice;
    if (choice !== undefined) {
      const custom = typeof choice !== 'string' && ir.tools.some((t) => t.custom && t.name === choice.name);
      out.tool_choice =
        typeof choice === 'string' ? choice : { type: custom ? 'custom' : 'function', name: choice.name };
    }
    if (ir.parallelToolCalls === false) out.parallel_tool_calls = false;
  }
  const budget = ctx.outputBudget(ir.maxOutputTokens, 'max_output_tokens');
  if (budget !== undefined) out.max_output_tokens = budget;
  if (ir.temperature !== undefined) out.temperature = ir.temperature;
  if (ir.topP !== undefined) out.top_p = ir.topP;
  const text: Json = {};
  if (ir.output?.type === 'json_object') text.format = { type: 'json_object' };
  else if (ir.output?.type === 'json_schema') {
    text.format = {
      type: 'json_schema',
      name: ir.output.name ?? 'output',
      schema: ir.output.schema,
      ...(ir.output.strict !== undefined ? { strict: ir.output.strict } : {}),
      ...(ir.output.description !== undefined ? { description: ir.output.description } : {}),
    };
  }
  if (ir.verbosity !== undefined) text.verbosity = ir.verbosity;
  if (Object.keys(text).length > 0) out.text = text;
  writeReasoning(ir, out, ctx);
  if (ir.user) out.safety_identifier = shortUserId(ir.user, SAFETY_ID_MAX);
  if (ir.metadata) {
    const entries = Object.entries(ir.metadata);
    const fits =
      entries.length <= METADATA_MAX_PAIRS &&
      entries.every(([k, v]) => typeof v === 'string' && k.length <= 64 && v.length <= METADATA_VALUE_MAX);
    if (fits) out.metadata = ir.metadata;
    else ctx.drop('metadata', 'Responses metadata takes at most 16 string pairs');
  }
  if (ir.promptCacheKey !== undefined) out.prompt_cache_key = ir.promptCacheKey;
  if (ir.serviceTier !== undefined) {
    if (['auto', 'default', 'flex', 'scale', 'priority'].includes(ir.serviceTier)) out.service_tier = ir.serviceTier;
    else ctx.drop('service_tier', 'service tiers differ between APIs');
  }
  if (ir.sampling.seed !== undefined) ctx.drop('seed', 'the Responses API has no seed');
  // A translated call keeps nothing on the provider's side: the gateway holds the conversation (if anyone does).
  out.store = false;
  if (ir.stream) out.stream = true;
  return out;
}

function rejectUnmappable(ir: IRRequest, ctx: TranslationContext): void {
  const s = ir.sampling;
  if (ir.topK !== undefined)
    throw GatewayError.unsupported('top_k', `top_k is not supported ${ctx.onTarget} (OpenAI has no top-k sampling)`);
  if (ir.stop) {
    throw GatewayError.unsupported(
      'stop',
      `stop sequences are not supported ${ctx.onTarget} (the Responses API has no stop parameter)`,
    );
  }
  if (s.n != null && s.n !== 1)
    throw GatewayError.unsupported('n', `n=${s.n} is not supported ${ctx.onTarget} (only n=1)`);
  if (s.logprobs === true || (s.topLogprobs ?? 0) > 0) {
    throw GatewayError.unsupported(
      'logprobs',
      `logprobs are not supported ${ctx.onTarget} (they are not translated back)`,
    );
  }
  if (s.logitBias && Object.keys(s.logitBias).length > 0) {
    throw GatewayError.unsupported('logit_bias', `logit_bias is not supported ${ctx.onTarget}`);
  }
  refuseNonZeroPenalties(s, ctx, 'only 0 is accepted');
}

function writeReasoning(ir: IRRequest, out: Json, ctx: TranslationContext): void {
  const r = ir.reasoning;
  if (!r) return;
  if (!isOpenAIReasoningModel(ctx.upstreamModel)) {
    if (r.enabled) ctx.drop('thinking', `${ctx.upstreamModel} is not a reasoning model`);
    return;
  }
  const reasoning: Json = {};
  if (!r.enabled) reasoning.effort = 'none';
  else {
    const effort =
      r.effort ??
      (r.budgetTokens !== undefined ? effortForBudget(r.budgetTokens, ctx.options.reasoningBudgets) : undefined);
    if (effort) reasoning.effort = effort;
    if (r.summary) reasoning.summary = r.summary === 'concise' || r.summary === 'detailed' ? r.summary : 'auto';
  }
  if (Object.keys(reasoning).length > 0) out.reasoning = reasoning;
}

function items(message: IRMessage, ctx: TranslationContext): Json[] {
  switch (message.role) {
    case 'system':
      return [{ type: 'message', role: message.systemRole ?? 'system', content: textOf(message.parts) }];
    case 'user': {
      const content = message.parts.map((p) => inputPart(p, ctx));
      if (content.length === 0) return [];
      const only = content.length === 1 && content[0].type === 'input_text' ? (content[0].text as string) : null;
      return [{ type: 'message', role: 'user', content: only ?? content }];
    }
    case 'tool':
      return message.parts.flatMap((p): Json[] => {
        if (p.type !== 'tool_result') return [];
        const output =
          p.plainText && p.content.length === 1 && p.content[0].type === 'text'
            ? p.content[0].text
            : p.content.map((c) => inputPart(c, ctx));
        return [
          p.custom
            ? { type: 'custom_tool_call_output', call_id: p.callId, output }
            : { type: 'function_call_output', call_id: p.callId, output },
        ];
      });
    case 'assistant': {
      const out: Json[] = [];
      let texts: string[] = [];
      const flush = () => {
        if (texts.length > 0) out.push({ type: 'message', role: 'assistant', content: texts.join('') });
        texts = [];
      };
      for (const part of message.parts) {
        if (part.type === 'text' || part.type === 'refusal') texts.push(part.text);
        else if (part.type === 'tool_call') {
          flush();
          out.push(
            part.custom
              ? { type: 'custom_tool_call', call_id: part.id, name: part.name, input: part.arguments }
              : { type: 'function_call', call_id: part.id, name: part.name, arguments: part.arguments },
          );
        } else if (part.type === 'reasoning' && part.origin === 'openai' && part.encrypted) {
          // Only OpenAI's own encrypted reasoning can go back to OpenAI.
          flush();
          out.push({
            type: 'reasoning',
            ...(part.id ? { id: part.id } : {}),
            summary: part.text ? [{ type: 'summary_text', text: part.text }] : [],
            encrypted_content: part.encrypted,
          });
        }
      }
      flush();
      return out;
    }
  }
}

function textOf(parts: IRPart[]): string {
  return parts.map((p) => (p.type === 'text' ? p.text : '')).join('\n');
}

function inputPart(part: IRPart | IRText | IRImage | IRFile, ctx: TranslationContext): Json {
  switch (part.type) {
    case 'text':
      return { type: 'input_text', text: part.text };
    case 'image':
      if (part.fileId !== undefined)
        return { type: 'input_image', file_id: part.fileId, detail: part.detail ?? 'auto' };
      return {
        type: 'input_image',
        image_url: part.url ?? dataUrl(part.mediaType, part.data ?? ''),
        detail: part.detail ?? 'auto',
      };
    case 'file': {
      const file: Json = { type: 'input_file' };
      if (part.filename) file.filename = part.filename;
      if (part.data !== undefined) {
        file.file_data = dataUrl(part.mediaType ?? 'application/pdf', part.data);
        file.filename ??= 'document.pdf';
      } else if (part.url !== undefined) file.file_url = part.url;
      else if (part.fileId !== undefined) file.file_id = part.fileId;
      return file;
    }
    default:
      throw GatewayError.unsupported(
        part.path ?? 'input',
        `content of type ${describe(part.type)} is not supported in a user turn ${ctx.onTarget}`,
      );
  }
}
