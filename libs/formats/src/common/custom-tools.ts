/**
 * Free-form ("custom") tools, such as Codex's `apply_patch` with a Lark grammar, take raw text instead of JSON
 * arguments. Formats without them get a function tool with one string argument, `input`, and the model's call is
 * unwrapped back into the raw text for the caller (the approach LiteLLM takes, responses-api.md §7.5).
 */
export const CUSTOM_TOOL_PARAMETERS: Record<string, unknown> = {
  type: 'object',
  properties: { input: { type: 'string', description: 'The raw input for this tool.' } },
  required: ['input'],
  additionalProperties: false,
};

export function customToolDescription(description: string | undefined): string {
  const note = 'Takes free-form text in `input`.';
  return description ? `${description}\n\n${note}` : note;
}

/** A custom tool's raw input as function-call arguments. */
export function wrapCustomInput(input: string): string {
  return JSON.stringify({ input });
}

/** Function-call arguments back to a custom tool's raw input (the arguments themselves when they do not parse). */
export function unwrapCustomInput(args: string): string {
  try {
    const parsed = JSON.parse(args) as unknown;
    if (parsed && typeof parsed === 'object' && typeof (parsed as { input?: unknown }).input === 'string') {
      return (parsed as { input: string }).input;
    }
  } catch {
    // not JSON: the model wrote the input itself
  }
  return args;
}

/**
 * A call's arguments as the caller expects them: raw text when the caller declared the tool as a custom tool,
 * JSON arguments otherwise (wrapping or unwrapping the `input` of an upstream that saw the other kind).
 */
export function argumentsFor(call: { arguments: string; custom?: boolean }, callerCustom: boolean): string {
  if (callerCustom) return call.custom ? call.arguments : unwrapCustomInput(call.arguments);
  return call.custom ? wrapCustomInput(call.arguments) : call.arguments;
}
