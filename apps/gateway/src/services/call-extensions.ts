import type { FormatName, Json, WireFormat } from '@lessllm/formats';
import { Inject, Injectable, Optional } from '@nestjs/common';
import type { CallContext } from './call-context';

/**
 * What a wire format needs from the gateway beyond translation: state kept between calls. The Responses API is the
 * one today (`previous_response_id`, GET and DELETE of stored responses).
 */
export interface CallExtension {
  readonly format: FormatName;
  /** Before the call: the request as the pipeline should see it (e.g. the conversation so far prepended). */
  before(ctx: CallContext, body: Json): Promise<Json>;
  /** After a complete answer, before it is sent, cached and recorded: the answer as the caller gets it. */
  answered(ctx: CallContext, body: Json, response: Json): Promise<Json>;
}

export const CALL_EXTENSIONS = Symbol('CALL_EXTENSIONS');

/** Dispatches to the extension registered for the caller's format, if any. */
@Injectable()
export class CallExtensions {
  private readonly byFormat = new Map<FormatName, CallExtension>();

  constructor(@Optional() @Inject(CALL_EXTENSIONS) extensions: CallExtension[] | null) {
    for (const extension of extensions ?? []) this.byFormat.set(extension.format, extension);
  }

  before(format: WireFormat, ctx: CallContext, body: Json): Promise<Json> {
    return this.byFormat.get(format.name)?.before(ctx, body) ?? Promise.resolve(body);
  }

  answered(format: WireFormat, ctx: CallContext, body: Json, response: Json): Promise<Json> {
    return this.byFormat.get(format.name)?.answered(ctx, body, response) ?? Promise.resolve(response);
  }
}
