/** The nginx checks. A new one: a file here exporting a Check, listed below, plus docs and a case table. */
import { nginxRenders, renderTouches } from '../../facts/nginx/renders.js';
import type { Check } from '../../model/check.js';
import type { Facts } from '../../model/facts.js';
import type { Evidence, Finding } from '../../model/finding.js';
import { envsubstBlanksVariables } from './envsubst-blanks-variables.js';
import { fastcgiHttpsMissing } from './fastcgi-https-missing.js';
import { forwardedForOverwritten } from './forwarded-for-overwritten.js';
import { forwardedHostClientControlled } from './forwarded-host-client-controlled.js';
import { forwardedProtoClientControlled } from './forwarded-proto-client-controlled.js';
import { forwardedProtoHardcoded } from './forwarded-proto-hardcoded.js';
import { forwardedProtoMissing } from './forwarded-proto-missing.js';
import { forwardedProtoPassthrough } from './forwarded-proto-passthrough.js';
import { hostDefaultProxyHost } from './host-default-proxy-host.js';
import { hostPortBehindFront } from './host-port-behind-front.js';
import { hostPortLost } from './host-port-lost.js';
import { httpNotRedirected } from './http-not-redirected.js';
import { proxyHeaderInheritance } from './proxy-header-inheritance.js';
import { proxyRedirectHttp } from './proxy-redirect-http.js';
import { redirectServerNamePattern } from './redirect-server-name-pattern.js';
import { schemeBehindTlsTerminator } from './scheme-behind-tls-terminator.js';
import { schemeHeaderValue } from './scheme-header-value.js';
import { sslDirectiveRemoved } from './ssl-directive-removed.js';
import { underscoreHeadersPass } from './underscore-headers-pass.js';
import { uwsgiSchemeMissing } from './uwsgi-scheme-missing.js';
import { variableAlwaysEmpty } from './variable-always-empty.js';

const CHECKS: Check[] = [
  forwardedProtoMissing,
  proxyHeaderInheritance,
  forwardedProtoHardcoded,
  forwardedProtoClientControlled,
  forwardedProtoPassthrough,
  schemeBehindTlsTerminator,
  schemeHeaderValue,
  sslDirectiveRemoved,
  hostPortLost,
  hostPortBehindFront,
  hostDefaultProxyHost,
  uwsgiSchemeMissing,
  fastcgiHttpsMissing,
  forwardedForOverwritten,
  forwardedHostClientControlled,
  httpNotRedirected,
  proxyRedirectHttp,
  redirectServerNamePattern,
  variableAlwaysEmpty,
  underscoreHeadersPass,
  envsubstBlanksVariables,
];

/**
 * A finding on a config file that a start-up script renders into place (facts/nginx/renders.ts) also points at that
 * script line, saying whether its substitutions rewrite the finding's line: the running nginx reads the copy.
 */
export function withRenderEvidence(facts: Facts, findings: Finding[]): Finding[] {
  const renders = nginxRenders(facts);
  if (renders.length === 0) return findings;
  return findings.map((f) => {
    const first = f.evidence.find((e) => e.line > 0 && renders.some((r) => r.source === e.file));
    if (!first) return f;
    const added: Evidence[] = [];
    for (const r of renders) {
      if (r.source !== first.file || f.evidence.some((e) => e.file === r.script && e.line === r.line)) continue;
      if (added.some((e) => e.file === r.script && e.line === r.line)) continue;
      const touch = renderTouches(r, facts.sources.get(first.file)?.[first.line - 1]);
      const does =
        touch === 'rewrites'
          ? `, and its substitutions rewrite line ${first.line}: the running nginx has the rewritten line`
          : touch === 'keeps'
            ? `; its substitutions leave line ${first.line} as written, so the running nginx has it too: change it in ${r.source}`
            : ': the running nginx reads the rendered copy';
      const snippet = facts.sources.get(r.script)?.[r.line - 1];
      added.push({
        file: r.script,
        line: r.line,
        ...(snippet !== undefined ? { snippet } : {}),
        note: `renders ${r.source} into ${r.dest} with ${r.tool} at start-up${does}`,
      });
    }
    return added.length ? { ...f, evidence: [...f.evidence, ...added] } : f;
  });
}

export const NGINX_CHECKS: Check[] = CHECKS.map((c) => ({
  meta: c.meta,
  run: (facts: Facts) => withRenderEvidence(facts, c.run(facts)),
}));
