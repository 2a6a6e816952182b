import type { ToolOverhead } from '@lessllm/formats';
import type { EncodingName } from './encodings';

/** The OpenAI cookbook's fitted tool-definition overheads (providers.md §7.2): gpt-4o family vs gpt-3.5/gpt-4. */
export const TOOL_OVERHEAD: Readonly<Record<EncodingName, ToolOverhead>> = {
  o200k_base: { funcInit: 7, propInit: 3, propKey: 3, enumInit: -3, enumItem: 3, funcEnd: 12 },
  cl100k_base: { funcInit: 10, propInit: 3, propKey: 3, enumInit: -3, enumItem: 3, funcEnd: 12 },
};
