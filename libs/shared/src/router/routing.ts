/**
 * The router's contract: what the gateway sends (a text-only view of the chat request) and what it gets back.
 * Shared by the in-process router (embedded mode) and the router service over NATS request/reply.
 */

/** NATS request/reply subject of the router service. */
export const ROUTER_DECIDE_SUBJECT = 'lessllm.router.decide';

/** DI token of the RouterPort the gateway uses (absent when no `router:` is configured). */
export const ROUTER_PORT = Symbol('ROUTER_PORT');

export type RoutingRole = 'system' | 'user' | 'assistant' | 'tool';

export interface RoutingMessage {
  role: RoutingRole;
  /** The message's text; non-text parts (images, audio) are dropped, tool calls/results keep their text/JSON. */
  text: string;
}

/** The normalised input every classifier sees. */
export interface RoutingInput {
  messages: RoutingMessage[];
  /** Tools (functions) were offered to the model. */
  tools: boolean;
  /** Structured (JSON) output was requested through the API (response_format / output_format), not in the text. */
  jsonOutput: boolean;
  /** The requested output budget (max_tokens / max_completion_tokens), or null when unset. */
  maxTokens: number | null;
}

/** The router's answer for one request. */
export interface RouteDecision {
  /** A tier name from router.tiers. */
  tier: string;
  /** The model alias of that tier. */
  model: string;
  /** features | trained | llm | cascade (or `<name>-fallback` when a classifier failed and features answered). */
  classifier: string;
  /** Probability that a strong model is needed (null for cascade, which always starts cheap). */
  probability: number | null;
  reason: string;
}

/** Asks for a decision; the in-process engine or a NATS client to the router service. */
export interface RouterPort {
  decide(input: RoutingInput): Promise<RouteDecision>;
  close(): Promise<void>;
}
