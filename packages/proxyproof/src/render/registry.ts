import type { Renderer } from './types.js';

/**
 * The output formats (`--format`), each loaded only when it is the one asked for: the HTML renderer (chain
 * pictures, styles) and the SARIF writer are most of render/'s code, and a `lint` with text output needs neither
 * (issue 10: start-up). `render/index.ts` RENDERERS stays the eager map of the package API.
 */
export const RENDERER_LOADERS: Record<string, () => Promise<Renderer>> = {
  text: async () => (await import('./text.js')).textRenderer,
  json: async () => (await import('./json.js')).jsonRenderer,
  sarif: async () => (await import('./sarif.js')).sarifRenderer,
  html: async () => (await import('./html.js')).htmlRenderer,
};

export const RENDERER_NAMES: string[] = Object.keys(RENDERER_LOADERS);
