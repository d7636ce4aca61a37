import { htmlRenderer } from './html.js';
import { jsonRenderer } from './json.js';
import { sarifRenderer } from './sarif.js';
import { textRenderer } from './text.js';
import type { Renderer } from './types.js';

/** Output formats (`--format`): every command renders its Report with any of them. */
export const RENDERERS: Record<string, Renderer> = {
  text: textRenderer,
  json: jsonRenderer,
  sarif: sarifRenderer,
  html: htmlRenderer,
};
