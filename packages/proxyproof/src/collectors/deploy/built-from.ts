/**
 * The image a compose service's container runs when it is built from a Dockerfile of the tree: the last `FROM` of that
 * Dockerfile (the final stage). Shared by the readers that recognise a program by its image (mod_php's official
 * images, nginx-proxy), so a `build:` of `FROM nginxproxy/nginx-proxy` is the same container as `image:
 * nginxproxy/nginx-proxy`. Reads only `facts.sources` (no I/O): light enough for the collector registry's `runs`.
 */
import type { ComposeService } from '../../model/deploy.js';
import type { Facts, SourceRef } from '../../model/facts.js';

/** `a/./b/../c` -> `a/c` (compose and Dockerfile display paths are joined as written). */
function normalise(p: string): string {
  const out: string[] = [];
  for (const part of p.split('/')) {
    if (part === '.' || part === '') continue;
    if (part === '..' && out.length > 0 && out[out.length - 1] !== '..') out.pop();
    else out.push(part);
  }
  return (p.startsWith('/') ? '/' : '') + out.join('/');
}

/** The Dockerfile a service is built from (its display path) and its lines, when the tree holds it. */
export function builtDockerfile(
  facts: Pick<Facts, 'sources'>,
  s: Pick<ComposeService, 'build' | 'file'>,
): { file: string; lines: string[] } | undefined {
  if (!s.build) return undefined;
  const dir = s.file.replace(/[^/]*$/, '');
  const file = normalise(`${dir}${s.build.context}/${s.build.dockerfile ?? 'Dockerfile'}`);
  const lines = facts.sources.get(file) ?? facts.sources.get(`./${file}`);
  return lines ? { file, lines } : undefined;
}

/** The last `FROM` of the Dockerfile a service is built from, when the tree holds it. */
export function builtFrom(
  facts: Pick<Facts, 'sources'>,
  s: Pick<ComposeService, 'build' | 'file'>,
): { image: string; ref: SourceRef } | undefined {
  const built = builtDockerfile(facts, s);
  if (!built) return undefined;
  const { file: want, lines } = built;
  let found: { image: string; ref: SourceRef } | undefined;
  lines.forEach((l, i) => {
    const m = /^\s*FROM\s+(?:--\S+\s+)*(\S+)/i.exec(l);
    if (m) found = { image: m[1] as string, ref: { file: want, line: i + 1, snippet: l.trim() } };
  });
  return found;
}

/**
 * What the last stage of the Dockerfile a service is built from copies from its build context (`COPY`/`ADD`, not
 * `--from` another stage, nor a URL): each source as a display path of the tree and its destination in the image.
 * Reads only `facts.sources`. (`COPY nginx.tmpl /etc/docker-gen/templates/nginx.tmpl` of a docker-gen image.)
 */
export function builtCopies(
  facts: Pick<Facts, 'sources'>,
  s: Pick<ComposeService, 'build' | 'file'>,
): Array<{ source: string; dest: string; ref: SourceRef }> {
  const built = builtDockerfile(facts, s);
  if (!s.build || !built) return [];
  const context = normalise(`${s.file.replace(/[^/]*$/, '')}${s.build.context}`);
  const { file: want, lines } = built;
  let out: Array<{ source: string; dest: string; ref: SourceRef }> = [];
  lines.forEach((l, i) => {
    if (/^\s*FROM\s/i.test(l)) out = [];
    const cp = /^\s*(?:COPY|ADD)\s+(?!--from)(?:--\S+\s+)*(.+)$/i.exec(l);
    if (!cp || cp[1]?.trim().startsWith('[')) return;
    const words = (cp[1] as string).trim().split(/\s+/);
    const dest = words.pop();
    if (!dest) return;
    for (const w of words)
      if (!/^[a-z]+:\/\//i.test(w))
        out.push({ source: normalise(`${context}/${w}`), dest, ref: { file: want, line: i + 1, snippet: l.trim() } });
  });
  return out;
}
