/**
 * JSON with line numbers, for the files a user writes for proxyproof (.proxyproof.json, baselines):
 * JSON.parse for the value (its error offset becomes a line), the `yaml` package's position-keeping
 * parser (YAML is a superset of JSON) for the line of every key, so an error says `file:line`.
 */
import type { Node } from 'yaml';
import { yaml } from '../collectors/proxy/yaml.js';
import { InputError } from '../model/finding.js';

export interface JsonWithLines {
  value: unknown;
  /** Line of a JSON pointer-like path (`ignore/0/id`), the key's line for objects. */
  lineOf(path: Array<string | number>): number | undefined;
}

function offsetToLine(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

export function parseJsonWithLines(text: string, file: string): JsonWithLines {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    const msg = (e as Error).message;
    const pos = /position (\d+)/.exec(msg);
    const lc = /line (\d+) column \d+/.exec(msg);
    // Node 20's messages carry a position only for some errors; YAML's parser (a superset) locates the rest.
    const yamlErr = yaml().parseDocument(text).errors[0]?.linePos?.[0]?.line;
    const line = lc ? Number(lc[1]) : pos ? offsetToLine(text, Number(pos[1])) : (yamlErr ?? 1);
    const short = msg.replace(/ in JSON at position \d+.*$/, '').replace(/, "[\s\S]*" is not valid JSON$/, '');
    throw new InputError(`not valid JSON: ${short.split('\n')[0]}`, file, line);
  }
  const lineCounter = new (yaml().LineCounter)();
  const doc = yaml().parseDocument(text, { lineCounter, keepSourceTokens: false });
  return {
    value,
    lineOf(path) {
      let node: unknown = doc.contents;
      let at: number | undefined = (node as Node | null)?.range?.[0];
      for (const k of path) {
        if (yaml().isMap(node)) {
          const pair = node.items.find((p) => yaml().isScalar(p.key) && String(p.key.value) === String(k));
          if (!pair) return undefined;
          at = (pair.key as Node).range?.[0];
          node = pair.value;
        } else if (yaml().isSeq(node)) {
          node = node.items[Number(k)];
          at = (node as Node | undefined)?.range?.[0];
        } else return undefined;
      }
      return at === undefined ? undefined : lineCounter.linePos(at).line;
    },
  };
}
