/**
 * sveltekit/protocol-header-unset: a SvelteKit app built with adapter-node is started without ORIGIN or
 * PROTOCOL_HEADER in any of the linted start commands / compose / systemd / Dockerfile environments. adapter-node
 * then builds url.origin as http://<Host>, so form actions fail SvelteKit's CSRF origin check behind an HTTPS
 * proxy ("Cross-site POST form submissions are forbidden") and absolute URLs come out http://.
 */
import { type Check, type CheckMeta, finding } from '../../model/check.js';
import type { Evidence, Finding } from '../../model/finding.js';
import { httpsEvidence } from '../appserver/context.js';
import { evidenceOf, frameworksOf, NODE_REFS } from './common.js';

const meta: CheckMeta = {
  id: 'sveltekit/protocol-header-unset',
  severity: 'medium',
  title: 'SvelteKit adapter-node without ORIGIN or PROTOCOL_HEADER',
  summary:
    'adapter-node is started without ORIGIN or PROTOCOL_HEADER: behind an HTTPS proxy url.origin is http://..., form actions fail the CSRF origin check and absolute URLs are http://.',
  references: [NODE_REFS.svelteKitAdapterNode, 'https://svelte.dev/docs/kit/configuration#csrf'],
};

export const sveltekitProtocolHeaderUnset: Check = {
  meta,
  run(facts) {
    const out: Finding[] = [];
    for (const fw of frameworksOf(facts, 'sveltekit')) {
      if (fw.settings.adapter?.value !== '@sveltejs/adapter-node') continue;
      const origin = fw.settings.ORIGIN;
      const proto = fw.settings.PROTOCOL_HEADER;
      const https = httpsEvidence(facts);
      const launches = (fw.settings.launches?.value as string[] | undefined) ?? [];
      const prefix = String(fw.settings.envPrefix?.value ?? '');
      let message: string;
      const evidence: Evidence[] = [evidenceOf(fw.settings.adapter?.ref, 'adapter-node configured here')];
      if (proto) continue;
      if (origin) {
        if (!(https && /^http:\/\//i.test(String(origin.value)))) continue;
        message = `${prefix}ORIGIN is ${String(origin.value)} but the site is served over HTTPS`;
        evidence.push(evidenceOf(origin.ref, 'ORIGIN set here'), https);
      } else {
        const inDotenv = fw.settings[`ORIGIN (.env, not loaded)`] ?? fw.settings[`PROTOCOL_HEADER (.env, not loaded)`];
        message = `neither ${prefix}ORIGIN nor ${prefix}PROTOCOL_HEADER is set ${launches.length ? `for ${launches.join(', ')}` : 'in any start command, compose, systemd or Dockerfile environment the lint found'}${inDotenv ? ` (${inDotenv.envVar ?? 'a value'} is in ${inDotenv.ref?.file}, which \`node build\` does not load without -r dotenv/config or --env-file)` : ''}`;
        if (inDotenv) evidence.push(evidenceOf(inDotenv.ref, '.env value that is not loaded'));
        if (https) evidence.push(https);
      }
      out.push(
        finding(meta, {
          message: `SvelteKit (${fw.file}): ${message}: behind a TLS-terminating proxy url.origin is http://…`,
          evidence,
          why: 'adapter-node cannot see TLS that ended at the proxy. Without ORIGIN (or PROTOCOL_HEADER/HOST_HEADER naming headers the proxy sets), event.url is http://host/..., so SvelteKit\'s CSRF protection rejects form actions posted from the https:// page ("Cross-site POST form submissions are forbidden"), and redirects or absolute links built from url come out http://.',
          fix: {
            description:
              'Set ORIGIN to the public https:// origin where the app is started (simplest and not spoofable); or PROTOCOL_HEADER=x-forwarded-proto and HOST_HEADER=x-forwarded-host, only if the proxy sets both headers and nothing else can reach the app.',
            lines: [
              `${prefix}ORIGIN=https://your.site node build`,
              `# or: ${prefix}PROTOCOL_HEADER=x-forwarded-proto ${prefix}HOST_HEADER=x-forwarded-host node build`,
            ],
          },
          data: { framework: 'sveltekit', launches, envPrefix: prefix },
        }),
      );
    }
    return out;
  },
};
