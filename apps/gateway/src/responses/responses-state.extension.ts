import { mintOpaqueId, type Json } from '@lessllm/formats';
import type { AppLogger, ResponseCacheStore } from '@lessllm/shared';
import { GatewayError } from '@lessllm/shared';
import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { RateLimitedWarn } from '../cache/rate-limited-warn';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway-config';
import { GATEWAY_LOGGER } from '../config/logger.token';
import type { CallContext } from '../services/call-context';
import type { CallExtension } from '../services/call-extensions';
import { parseStoredResponse, responseKey, RESPONSES_STATE_STORE, type StoredResponse } from './responses-state.store';

/** What one call needs between `before` and `answered`: this turn's own input and where it continues from. */
interface Turn {
  input: unknown[];
  previous: string | null;
}

/** Input as a list of items: a string is one user message. */
export function inputItems(input: unknown): unknown[] {
  return typeof input === 'string'
    ? [{ type: 'message', role: 'user', content: input }]
    : Array.isArray(input)
      ? input
      : [];
}

const KEPT =
  'Stored responses are kept per tenant for responses.ttl_s; a response created with store: false is not kept.';

/** An unknown or expired `previous_response_id`: a 404 in the Responses error format. */
export function previousNotFound(id: string): GatewayError {
  return new GatewayError(
    'not_found',
    `Previous response with id '${id}' not found. ${KEPT}`,
    'previous_response_id',
    'previous_response_not_found',
  );
}

/** GET / DELETE of a response this tenant does not have. */
export function responseNotFound(id: string): GatewayError {
  return new GatewayError('not_found', `No response with id '${id}' found. ${KEPT}`, null, 'response_not_found');
}

/**
 * The Responses API's state, kept by the gateway so a conversation can continue on any upstream: before a call,
 * `previous_response_id` is expanded into the whole conversation (the upstream never sees the id); after it, the
 * turn is stored (unless `store: false`) under the response id the caller got.
 */
@Injectable()
export class ResponsesStateExtension implements CallExtension, OnModuleDestroy {
  readonly format = 'openai-responses' as const;
  private readonly turns = new WeakMap<CallContext, Turn>();
  private readonly warner: RateLimitedWarn;

  constructor(
    @Inject(GATEWAY_CONFIG) private readonly loaded: GatewayConfig,
    @Inject(RESPONSES_STATE_STORE) private readonly store: ResponseCacheStore,
    @Inject(GATEWAY_LOGGER) logger: AppLogger,
  ) {
    this.warner = new RateLimitedWarn(logger);
  }

  async before(ctx: CallContext, body: Json): Promise<Json> {
    const own = inputItems(body.input);
    const previous = typeof body.previous_response_id === 'string' ? body.previous_response_id : null;
    this.turns.set(ctx, { input: own, previous });
    if (!previous) return body;
    const history: unknown[] = [];
    for (const entry of await this.chain(ctx.caller?.tenant ?? null, previous)) {
      const output: unknown[] = Array.isArray(entry.response.output) ? (entry.response.output as unknown[]) : [];
      history.push(...entry.input, ...output);
    }
    return { ...body, input: [...history, ...own] };
  }

  async answered(ctx: CallContext, body: Json, response: Json): Promise<Json> {
    const turn = this.turns.get(ctx);
    // A cached answer is a new response: it gets its own id (the stored one belongs to the call that made it).
    const hit = ctx.cache?.status === 'hit' || ctx.cache?.status === 'semantic-hit';
    let out: Json = hit ? { ...response, id: mintOpaqueId('resp_') } : response;
    // The upstream never saw the id it continues from; the caller's answer names it, as OpenAI's would.
    if (turn?.previous && out.previous_response_id !== turn.previous)
      out = { ...out, previous_response_id: turn.previous };
    if (body.store === false || typeof out.id !== 'string' || out.status === 'failed') return out;
    const entry: StoredResponse = {
      v: 1,
      id: out.id,
      previous_response_id: turn?.previous ?? null,
      input: turn?.input ?? inputItems(body.input),
      response: out,
      stored_at: Date.now(),
    };
    const value = JSON.stringify(entry);
    const { responses } = this.loaded.config;
    if (Buffer.byteLength(value) > responses.max_entry_bytes) {
      this.warner.warn(
        { response_id: out.id, bytes: Buffer.byteLength(value) },
        'response larger than responses.max_entry_bytes: not stored',
      );
      return out;
    }
    try {
      await this.store.set(responseKey(ctx.caller?.tenant ?? null, out.id), value, responses.ttl_s);
    } catch (err) {
      // The caller still gets the answer; only continuing from it will fail.
      this.warner.warn(
        { store: this.store.kind, err: (err as Error).message },
        'responses store: could not store a response',
      );
    }
    return out;
  }

  /** A stored response of this tenant, or null. */
  async get(tenant: string | null, id: string): Promise<StoredResponse | null> {
    return parseStoredResponse(await this.read(responseKey(tenant, id)));
  }

  async delete(tenant: string | null, id: string): Promise<boolean> {
    try {
      return await this.store.delete(responseKey(tenant, id));
    } catch (err) {
      throw unavailable(this.store.kind, err);
    }
  }

  /** The turns from the first to `id`, oldest first. */
  private async chain(tenant: string | null, id: string): Promise<StoredResponse[]> {
    const chain: StoredResponse[] = [];
    const max = this.loaded.config.responses.max_chain;
    for (let next: string | null = id; next;) {
      if (chain.length >= max) {
        throw GatewayError.invalid(
          'previous_response_id',
          `The conversation is longer than responses.max_chain (${max}) responses; send the history as input instead.`,
        );
      }
      const entry = await this.get(tenant, next);
      if (!entry) throw previousNotFound(next);
      chain.unshift(entry);
      next = entry.previous_response_id;
    }
    return chain;
  }

  private async read(key: string): Promise<string | null> {
    try {
      return await this.store.get(key);
    } catch (err) {
      throw unavailable(this.store.kind, err);
    }
  }

  async onModuleDestroy(): Promise<void> {
    await this.store.close();
  }
}

/** Continuing a conversation needs the store: when it is down, that call (only) fails, and says why. */
function unavailable(kind: string, err: unknown): GatewayError {
  return new GatewayError(
    'store_unavailable',
    `The responses store (${kind}) is unavailable (${(err as Error).message}); stored responses cannot be read right now.`,
    null,
    'responses_store_unavailable',
  );
}
