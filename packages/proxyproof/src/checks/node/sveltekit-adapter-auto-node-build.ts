/**
 * sveltekit/adapter-auto-node-build: a SvelteKit project configured with @sveltejs/adapter-auto is started with
 * `node build` (a Dockerfile CMD, a compose command, a package.json script, a systemd unit). adapter-auto only
 * delegates when a platform's build variables are set (VERCEL, CF_PAGES/WORKERS_CI, NETLIFY, the Azure SWA action,
 * SST, GCP_BUILDPACKS: packages/adapter-auto/adapters.js); anywhere else it logs "Could not detect a supported
 * production environment" and writes no build/ (packages/adapter-auto/index.js), so `node build` has nothing to
 * run and the proxy in front has no app behind it. The fix is adapter-node, which then needs ORIGIN or
 * PROTOCOL_HEADER behind a TLS-terminating proxy (sveltekit/protocol-header-unset).
 */
import { type Check, type CheckMeta, finding } from '../../model/check.js';
import type { Facts, FrameworkFacts } from '../../model/facts.js';
import type { Evidence, Finding, Fix } from '../../model/finding.js';
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
      const fix: Fix = {
        description: `Build with @sveltejs/adapter-node (add it to devDependencies: \`npm i -D @sveltejs/adapter-node\`), which writes the build/ server \`node build\` starts; then start it with ORIGIN=https://<your site> (or PROTOCOL_HEADER=x-forwarded-proto and HOST_HEADER=x-forwarded-host when only the proxy reaches it), or SvelteKit sees http:// behind the TLS proxy and refuses form POSTs.`,
        file: fw.file,
      };
      if (imp) {
        fix.line = imp.line;
        fix.placement = 'replace';
        fix.lines = [imp.text.replace('@sveltejs/adapter-auto', '@sveltejs/adapter-node')];
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
