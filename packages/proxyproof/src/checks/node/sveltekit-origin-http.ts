/**
 * sveltekit/origin-http: a SvelteKit app built with adapter-node is started with an `http://` ORIGIN while the site
 * is served over HTTPS. ORIGIN fixes url.origin for every request (adapter-node handler.js: `base: origin ||
 * get_origin(req.headers)`), so SvelteKit's CSRF check rejects form actions posted from the https:// page (the
 * browser's Origin is https://..., url.origin http://...) and absolute URLs built from url are http://.
 *
 * Without ORIGIN and PROTOCOL_HEADER adapter-node takes `https` whatever the connection (get_origin's `|| 'https'`,
 * every release 1.x-5.x; sveltejs/kit#10078), so a TLS-ending proxy needs nothing more for the scheme; what it can
 * still lose is the host (chain/host-lost) and, with PROTOCOL_HEADER, the scheme the proxy sends (chain/scheme-lost):
 * both come from the chain's simulation of the SvelteKit app end (collectors/node `svelteKitAppEnd`).
 */
import { type Check, type CheckMeta, finding } from '../../model/check.js';
import type { Evidence, Finding } from '../../model/finding.js';
import { adapterNodeServersOf, adapterNodeStartLine } from './adapter-node-start.js';
import { evidenceOf, frameworksOf, NODE_REFS, proxyContext, tlsInFront } from './common.js';

const meta: CheckMeta = {
  id: 'sveltekit/origin-http',
  severity: 'medium',
  title: 'SvelteKit adapter-node ORIGIN is http:// on an HTTPS site',
  summary:
    'adapter-node is started with ORIGIN=http://... while the site is served over HTTPS: url.origin is http://..., form actions fail the CSRF origin check and absolute URLs are http://.',
  references: [
    NODE_REFS.svelteKitAdapterNode,
    'https://github.com/sveltejs/kit/blob/main/packages/adapter-node/src/handler.js',
    'https://svelte.dev/docs/kit/configuration#csrf',
  ],
};

export const sveltekitOriginHttp: Check = {
  meta,
  run(facts) {
    const out: Finding[] = [];
    for (const fw of frameworksOf(facts, 'sveltekit')) {
      if (fw.settings.adapter?.value !== '@sveltejs/adapter-node') continue;
      const origin = fw.settings.ORIGIN;
      if (!origin || !/^http:\/\//i.test(String(origin.value))) continue;
      const context = proxyContext(facts, fw);
      const https = tlsInFront(facts, context);
      if (!https) continue;
      const prefix = String(fw.settings.envPrefix?.value ?? '');
      const publicOrigin = String(origin.value).replace(/^http:/i, 'https:');
      const evidence: Evidence[] = [
        evidenceOf(origin.ref, `${prefix}ORIGIN set here`),
        evidenceOf(fw.settings.adapter?.ref, 'adapter-node configured here'),
        https,
      ];
      const fix: Finding['fix'] = {
        description: `Set ${prefix}ORIGIN to the public https:// origin (${publicOrigin}); or leave ORIGIN unset (adapter-node then takes https and the Host the proxy passes on).`,
      };
      const snippet = origin.ref?.line ? facts.sources.get(origin.ref.file)?.[origin.ref.line - 1] : undefined;
      const at = snippet?.indexOf(String(origin.value)) ?? -1;
      // The start line also binds every interface with the proxy on this host: the one edit deploy/backend-port-published
      // writes there too (HOST=127.0.0.1), so `fix` applies both as one.
      const start = adapterNodeServersOf(facts, fw)
        .map((server) => adapterNodeStartLine(facts, server, { value: String(origin.value), ref: origin.ref }, https))
        .find((x) => x !== undefined);
      if (start?.changes.includes('origin') && start.changes.includes('host')) {
        fix.description = `Set ${prefix}ORIGIN to the public https:// origin (${publicOrigin}); the same line also gets HOST=127.0.0.1 (deploy/backend-port-published: only the proxy on this host should reach adapter-node).`;
        fix.file = start.file;
        fix.line = start.line;
        fix.placement = 'replace';
        fix.lines = start.lines;
      } else if (origin.ref && snippet !== undefined && at >= 0 && snippet.indexOf(String(origin.value), at + 1) === -1) {
        // The value written once on its line: the same line with https://.
        fix.file = origin.ref.file;
        fix.line = origin.ref.line;
        fix.placement = 'replace';
        fix.lines = [snippet.slice(0, at) + publicOrigin + snippet.slice(at + String(origin.value).length)];
      }
      out.push(
        finding(meta, {
          message: `SvelteKit (${fw.file}): ${prefix}ORIGIN is ${String(origin.value)} but the site is served over HTTPS: url.origin is http://… for every request, so form actions posted from the https:// page fail SvelteKit's CSRF check`,
          evidence,
          why: 'ORIGIN replaces whatever the request says about scheme and host. With http:// there, event.url is http://host/..., so SvelteKit\'s CSRF protection rejects form actions posted from the https:// page ("Cross-site POST form submissions are forbidden"), and redirects or absolute links built from url come out http://.',
          fix,
          data: { framework: 'sveltekit', origin: origin.value, envPrefix: prefix },
        }),
      );
    }
    return out;
  },
};
