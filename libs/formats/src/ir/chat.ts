import type { NormalizedUsage } from '@lessllm/shared';

/**
 * The internal representation every wire format translates through: requests, complete answers and (in
 * `stream-sink.ts`) streams. A format decodes its own body into it and encodes it back; same-format calls never
 * touch it (their bytes pass through). Why one representation and not pairwise translators: four formats would need
 * twelve request, twelve response and twelve stream translators; through this one they need four of each, and a
 * fifth format is one folder.
 */

export type CacheTtl = '5m' | '1h';

/** Anthropic `cache_control` kept through translation (other formats ignore it). */
export interface IRCacheControl {
  ttl?: CacheTtl;
}

/** Where a part came from in the caller's body (`messages[2].content[1]`), so a target's refusal names it. */
export interface Sourced {
  path?: string;
}

export interface IRText extends Sourced {
  type: 'text';
  text: string;
  cacheControl?: IRCacheControl;
}

/** An image by URL, as base64 data with its media type, or as a provider file id. */
export interface IRImage extends Sourced {
  type: 'image';
  url?: string;
  data?: string;
  mediaType?: string;
  fileId?: string;
  detail?: string;
}

/** A document (PDF and the like), inline base64, by URL or by provider file id. */
export interface IRFile extends Sourced {
  type: 'file';
  data?: string;
  mediaType?: string;
  url?: string;
  fileId?: string;
  filename?: string;
}

/** A call the assistant made. `arguments` is JSON text; for custom (free-form) tools it is the raw input. */
export interface IRToolCall extends Sourced {
  type: 'tool_call';
  id: string;
  name: string;
  arguments: string;
  custom?: boolean;
}

export interface IRToolResult extends Sourced {
  type: 'tool_result';
  callId: string;
  content: Array<IRText | IRImage | IRFile>;
  /** The caller gave the result as a bare string (kept a string where the target allows). */
  plainText?: boolean;
  isError?: boolean;
  custom?: boolean;
}

/**
 * Earlier reasoning. `origin` says whose opaque proof it carries: an Anthropic `signature` (or redacted `data`) is
 * only valid for Anthropic, OpenAI's `encrypted` blob only for OpenAI's Responses API; other targets drop it.
 */
export interface IRReasoning extends Sourced {
  type: 'reasoning';
  text: string;
  origin: 'anthropic' | 'openai' | 'other';
  signature?: string;
  redactedData?: string;
  encrypted?: string;
  id?: string;
}

export interface IRRefusal extends Sourced {
  type: 'refusal';
  text: string;
}

export type IRPart = IRText | IRImage | IRFile | IRToolCall | IRToolResult | IRReasoning | IRRefusal;

/**
 * One turn. `system` turns inside `messages` are mid-conversation instructions (the leading ones live in
 * `IRRequest.system`). `tool` turns hold tool results only.
 */
export interface IRMessage {
  role: 'user' | 'assistant' | 'system' | 'tool';
  parts: IRPart[];
  /** System turns: 'developer' when the caller said developer (OpenAI). */
  systemRole?: 'system' | 'developer';
}

export interface IRTool extends Sourced {
  name: string;
  description?: string;
  parameters?: Record<string, unknown>;
  strict?: boolean;
  /** A free-form (custom) tool: its input is text, not JSON arguments. */
  custom?: boolean;
  cacheControl?: IRCacheControl;
}

export type IRToolChoice = 'auto' | 'none' | 'required' | { name: string };

export interface IROutputFormat {
  type: 'text' | 'json_object' | 'json_schema';
  name?: string;
  schema?: Record<string, unknown>;
  strict?: boolean;
  description?: string;
}

/** OpenAI effort names (Anthropic's `max` maps to `xhigh`). */
export type ReasoningEffort = 'none' | 'minimal' | 'low' | 'medium' | 'high' | 'xhigh';

export interface IRReasoningConfig {
  /** Thinking asked for with no stated effort (Anthropic adaptive thinking): the model's default effort. */
  enabled: boolean;
  effort?: ReasoningEffort;
  /** Anthropic `budget_tokens` when the caller gave one. */
  budgetTokens?: number;
  /** Whether the caller wants the reasoning text back (Responses `summary`, Anthropic `display`). */
  summary?: string;
}

export interface IRRequest {
  model: string;
  system: IRText[];
  /** How the leading instructions were given (OpenAI: a developer message, Responses: `instructions`). */
  systemRole?: 'system' | 'developer';
  messages: IRMessage[];
  tools: IRTool[];
  toolChoice?: IRToolChoice;
  parallelToolCalls?: boolean;
  maxOutputTokens?: number;
  temperature?: number;
  topP?: number;
  topK?: number;
  stop?: string[];
  output?: IROutputFormat;
  reasoning?: IRReasoningConfig;
  /** End-user id (OpenAI `safety_identifier`/`user`, Anthropic `metadata.user_id`). */
  user?: string;
  /** Options a target may or may not express; each encoder decides (map, drop as behaviour-only, or refuse). */
  sampling: {
    n?: number;
    logprobs?: boolean;
    topLogprobs?: number;
    presencePenalty?: number;
    frequencyPenalty?: number;
    logitBias?: Record<string, unknown>;
    seed?: number;
  };
  promptCacheKey?: string;
  verbosity?: string;
  serviceTier?: string;
  /** Caller labels (OpenAI `metadata`; Anthropic only takes `user_id`). */
  metadata?: Record<string, unknown>;
  stream: boolean;
}

/** Why generation stopped, in one vocabulary (each format maps its own names in and out). */
export type IRStopReason = 'stop' | 'stop_sequence' | 'length' | 'tool_calls' | 'content_filter' | 'pause';

export interface IRResponse {
  id: string;
  model: string;
  /** Unix seconds, when the upstream said. */
  created?: number;
  parts: Array<IRText | IRToolCall | IRReasoning | IRRefusal>;
  stopReason: IRStopReason | null;
  stopSequence?: string | null;
  usage: NormalizedUsage | null;
}
