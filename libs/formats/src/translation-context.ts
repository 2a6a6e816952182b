import { GatewayError } from '@lessllm/shared';
import { maxOutputTokensOf } from './common/model-families';
import type { ReasoningEffort } from './ir/chat';
import type { FormatName } from './wire-format';

/** Thinking budget (Anthropic `budget_tokens`) per reasoning effort; the reverse mapping uses the same table. */
export type ReasoningBudgets = Record<Exclude<ReasoningEffort, 'none'>, number>;

export const DEFAULT_REASONING_BUDGETS: ReasoningBudgets = {
  minimal: 1024,
  low: 2048,
  medium: 8192,
  high: 16384,
  xhigh: 32768,
};

export interface TranslationOptions {
  /** Refuse (400) fields that lenient translation drops because they only tune behaviour. */
  strict: boolean;
  reasoningBudgets: ReasoningBudgets;
}

export const DEFAULT_TRANSLATION_OPTIONS: TranslationOptions = {
  strict: false,
  reasoningBudgets: DEFAULT_REASONING_BUDGETS,
};

const TARGET_PHRASE: Record<FormatName, string> = {
  'openai-chat': 'when the model is served by an OpenAI-compatible upstream',
  'anthropic-messages': 'when the model is served by Anthropic',
  'openai-responses': 'when the model is served through the OpenAI Responses API',
  'openai-completions': 'when the model is served through the legacy Completions API',
};

/**
 * One translation of one request: source and target formats, the upstream model, the policy, and the fields
 * dropped on the way (sent back to the caller in `x-lessllm-dropped`).
 */
export interface TranslationTarget {
  source: FormatName;
  target: FormatName;
  upstreamModel: string;
  /** The provider kind behind the target (`openai`, `azure`, `gemini`, …): some fields only reach OpenAI itself. */
  providerType?: string;
  options?: TranslationOptions;
  /** max_tokens for targets that require one when the caller gave none (Anthropic). */
  defaultMaxTokens?: number;
  /** The target model's output cap (config `models.<alias>.max_output_tokens`, else the built-in table). */
  maxOutputTokens?: number;
}

export class TranslationContext {
  readonly dropped: string[] = [];
  /** Values changed to fit the target (e.g. max_tokens clamped), sent back in `x-lessllm-adjusted`. */
  readonly adjusted: string[] = [];
  readonly source: FormatName;
  readonly target: FormatName;
  readonly upstreamModel: string;
  readonly providerType: string | undefined;
  readonly options: TranslationOptions;
  readonly defaultMaxTokens: number;

  constructor(t: TranslationTarget) {
    this.source = t.source;
    this.target = t.target;
    this.upstreamModel = t.upstreamModel;
    this.providerType = t.providerType;
    this.options = t.options ?? DEFAULT_TRANSLATION_OPTIONS;
    this.defaultMaxTokens = t.defaultMaxTokens ?? 4096;
    this.maxOutputTokens = t.maxOutputTokens ?? maxOutputTokensOf(t.upstreamModel);
  }

  readonly maxOutputTokens: number | undefined;

  /** The caller's output budget, clamped to what the target model accepts (and noted when it was). */
  outputBudget(requested: number | undefined, field: string): number | undefined {
    const cap = this.maxOutputTokens;
    if (requested === undefined || cap === undefined || requested <= cap) return requested;
    this.adjusted.push(`${field}=${cap} (asked ${requested}; ${this.upstreamModel} takes at most ${cap})`);
    return cap;
  }

  /** OpenAI itself (or Azure OpenAI), which takes OpenAI-only hints such as `prompt_cache_key`. */
  get reachesOpenAI(): boolean {
    return this.providerType === 'openai' || this.providerType === 'azure';
  }

  /** "when the model is served by Anthropic", for error messages. */
  get onTarget(): string {
    return TARGET_PHRASE[this.target];
  }

  /**
   * A field that only tunes behaviour and has no equivalent in the target: dropped and listed, or, with the strict
   * policy, refused with a 400 naming it.
   */
  drop(field: string, why: string): void {
    if (this.options.strict) {
      throw GatewayError.unsupported(
        field,
        `${field} is not supported ${this.onTarget} (${why}); translation.strict is on, so it is refused instead of dropped`,
      );
    }
    if (!this.dropped.includes(field)) this.dropped.push(field);
  }

  unsupported(field: string, message: string): GatewayError {
    return GatewayError.unsupported(field, `${message} ${this.onTarget}`);
  }
}

/** The effort a thinking budget stands for: the largest effort whose budget it reaches (below all: minimal). */
export function effortForBudget(budget: number, budgets: ReasoningBudgets): Exclude<ReasoningEffort, 'none'> {
  let best: Exclude<ReasoningEffort, 'none'> = 'minimal';
  for (const effort of ['minimal', 'low', 'medium', 'high', 'xhigh'] as const) {
    if (budget >= budgets[effort]) best = effort;
  }
  return best;
}
