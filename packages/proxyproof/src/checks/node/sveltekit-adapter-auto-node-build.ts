/**
 * sveltekit/adapter-auto-node-build: a SvelteKit project configured with @sveltejs/adapter-auto is started with
 * `node build` (a Dockerfile CMD, a compose command, a package.json script, a systemd unit). adapter-auto only
 * delegates when a platform's build variables are set (VERCEL, CF_PAGES/WORKERS_CI, NETLIFY, the Azure SWA action,
 * SST, GCP_BUILDPACKS: packages/adapter-auto/adapters.js); anywhere else it logs "Could not detect a supported
 * production environment" and writes no build/ (packages/adapter-auto/index.js), so `node build` has nothing to
 * run and the proxy in front has no app behind it. The fix is adapter-node, which behind a TLS-terminating proxy
 * needs the public host (without ORIGIN or PROTOCOL_HEADER it takes every request as https); the chain judges that,
 * and sveltekit/origin-http an http:// ORIGIN.
 */
import { posix } from 'node:path';
import { type Check, type CheckMeta, finding } from '../../model/check.js';
import type { Facts, FrameworkFacts } from '../../model/facts.js';
import type { Evidence, Finding, Fix, FixEdit } from '../../model/finding.js';
import { evidenceOf, frameworksOf, NODE_REFS, proxyContext, tlsInFront } from './common.js';

const meta: CheckMeta = {
  id: 'sveltekit/adapter-auto-node-build',
  severity: 'medium',
  title: 'SvelteKit adapter-auto started with `node build`',
  summary:
    'svelte.config uses @sveltejs/adapter-auto but the deployment runs `node build`: off Vercel/Netlify/Cloudflare/SST/Cloud Run buildpacks adapter-auto writes no Node server, so there is nothing to start.',
  references: [
    'https://svelte.dev/docs/kit/adapter-auto',
    'https://github.com/sveltejs/kit/blob/main/packages/adapter-auto/adapters.js',
    NODE_REFS.svelteKitAdapterNode,
  ],
};

/** The config's `import ... from '@sveltejs/adapter-auto'` line, for the mechanical edit to adapter-node. */
function importLine(facts: Facts, fw: FrameworkFacts): { line: number; text: string } | undefined {
  const lines = facts.sources.get(fw.file) ?? [];
  const i = lines.findIndex((l) => /^\s*import\b[^'"]*\bfrom\s*['"]@sveltejs\/adapter-auto['"]/.test(l));
  return i >= 0 ? { line: i + 1, text: lines[i] as string } : undefined;
}

/**
 * The project's package.json line that depends on @sveltejs/adapter-auto, rewritten to adapter-node at the major
 * that fits the project's SvelteKit: adapter-node 5 (peer @sveltejs/kit ^2.4) for kit 2, adapter-node 1 (peer kit
 * ^1) for kit 1. Without the kit's range, adapter-auto's own major says which kit it was written for (3.x: kit 2;
 * 1.x-2.x: kit 1). Undefined when neither is readable: the dependency is then advice.
 */
function dependencyEdit(facts: Facts, fw: FrameworkFacts): FixEdit | undefined {
  const dir = posix.dirname(fw.file);
  const file = dir === '.' ? 'package.json' : `${dir}/package.json`;
  const lines = facts.sources.get(file);
  if (!lines) return undefined;
  const i = lines.findIndex((l) => /"@sveltejs\/adapter-auto"\s*:\s*"/.test(l));
  if (i < 0) return undefined;
  const line = lines[i] as string;
  const major = (name: string): number | undefined => {
    const m = lines.map((l) => new RegExp(`"${name.replace('/', '\\/')}"\\s*:\\s*"[^\\d"]*(\\d+)`).exec(l)).find(Boolean);
    return m ? Number(m[1]) : undefined;
  };
  const kit = major('@sveltejs/kit');
  const auto = major('@sveltejs/adapter-auto');
  const kit2 = kit !== undefined ? kit >= 2 : auto !== undefined ? auto >= 3 : undefined;
  if (kit2 === undefined) return undefined;
  const range = kit2 ? '^5.2.0' : '^1.3.1';
  return {
    file,
    line: i + 1,
    placement: 'replace',
    lines: [line.replace(/"@sveltejs\/adapter-auto"(\s*:\s*)"[^"]*"/, `"@sveltejs/adapter-node"$1"${range}"`)],
  };
}

export const sveltekitAdapterAutoNodeBuild: Check = {
  meta,
  run(facts) {
    const out: Finding[] = [];
    for (const fw of frameworksOf(facts, 'sveltekit')) {
      if (fw.settings.adapter?.value !== '@sveltejs/adapter-auto') continue;
      const starts = fw.settings['node build'];
      if (!starts?.ref) continue;
      const evidence: Evidence[] = [
        evidenceOf(fw.settings.adapter.ref, 'adapter-auto configured here: no build/ off its platforms'),
        evidenceOf(starts.ref, `${starts.note ?? 'node build'}: nothing there to run`),
      ];
      const ctx = proxyContext(facts, fw);
      const tls = tlsInFront(facts, ctx);
      if (tls) evidence.push(tls);
      const imp = importLine(facts, fw);
      const dep = dependencyEdit(facts, fw);
      const fix: Fix = {
        description: `Build with @sveltejs/adapter-node, which writes the build/ server \`node build\` starts: the config imports it${dep ? ` and ${dep.file} depends on it in place of adapter-auto (run \`npm install\` to update the lockfile)` : ' (add it to devDependencies: `npm i -D @sveltejs/adapter-node`)'}. adapter-node takes https when neither ORIGIN nor PROTOCOL_HEADER is set, so behind a TLS proxy that passes the public Host (nginx: proxy_set_header Host $host) nothing more is needed; otherwise start it with ORIGIN=https://<your site>.`,
        file: fw.file,
      };
      if (imp) {
        fix.line = imp.line;
        fix.placement = 'replace';
        fix.lines = [imp.text.replace('@sveltejs/adapter-auto', '@sveltejs/adapter-node')];
        if (dep) fix.also = [dep];
      }
      out.push(
        finding(meta, {
          message: `SvelteKit (${fw.file}) uses @sveltejs/adapter-auto, but ${(starts.value as string[]).join(', ')} start${(starts.value as string[]).length === 1 ? 's' : ''} it with \`node build\`: adapter-auto writes no Node server outside Vercel, Netlify, Cloudflare, SST or Cloud Run buildpacks, so there is no build/ to run${tls ? ' and the HTTPS proxy in front has no app behind it' : ''}`,
          evidence,
          why: 'adapter-auto chooses an adapter from the build environment (VERCEL, CF_PAGES, NETLIFY, SST, GCP_BUILDPACKS...). In a Dockerfile or on a server none is set: the build only warns "Could not detect a supported production environment" and leaves no build/ folder, so `node build` fails with "Cannot find module". Switching to adapter-node is the fix, and behind a TLS-terminating proxy adapter-node needs ORIGIN or PROTOCOL_HEADER to know the site is https.',
          fix,
          data: { framework: 'sveltekit', adapter: '@sveltejs/adapter-auto', starts: starts.value },
        }),
      );
    }
    return out;
  },
};
