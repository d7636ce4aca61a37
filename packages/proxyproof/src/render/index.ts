import { jsonRenderer } from './json.js';
import { textRenderer } from './text.js';
import type { Renderer } from './types.js';

/** Output formats; `sarif` and `html` are added here when their renderers land. */
export const RENDERERS: Record<string, Renderer> = { text: textRenderer, json: jsonRenderer };
