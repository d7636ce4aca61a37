/**
 * appserver/uwsgi-scheme-downgrade: behind a TLS proxy, uWSGI takes the scheme from the `UWSGI_SCHEME`/`HTTPS` params
 * the proxy sends AND from the request's own `X-Forwarded-Proto`, the later winning (core/protocol.c: nginx sends its
 * params before the request's headers). A client that sends `X-Forwarded-Proto: http` over HTTPS makes the app
 * believe its own request is plain HTTP. It only fools the app about the client's own request (an SSL redirect it
 * answers with a loop, non-Secure cookies it is handed), so it is info — the lead's policy for issue 14, since
 * stock `uwsgi_params` leave nearly every nginx+uWSGI site like this.
 */
import { appByLabel } from '../../chain/model.js';
import { finalStep, simulateBrowser } from '../../chain/simulate.js';
import { isBrowserEntry, routesOf } from '../../chain/verdict.js';
import { UWSGI_PROTOCOL_SOURCE } from '../../collectors/uwsgi/collector.js';
import { type Check, type CheckMeta, finding } from '../../model/check.js';
import type { Finding } from '../../model/finding.js';
import { analysis, evidences } from '../chain/common.js';

const meta: CheckMeta = {
  id: 'appserver/uwsgi-scheme-downgrade',
  severity: 'info',
  title: "A client's X-Forwarded-Proto: http downgrades its own request at uWSGI",
  summary:
    "uWSGI reads X-Forwarded-Proto from any peer after the proxy's UWSGI_SCHEME/HTTPS params; unless the proxy replaces the header (uwsgi_param HTTP_X_FORWARDED_PROTO $scheme), a client can make its own HTTPS request look like http.",
  references: [UWSGI_PROTOCOL_SOURCE, 'https://nginx.org/en/docs/http/ngx_http_uwsgi_module.html#uwsgi_param'],
};

export const uwsgiSchemeDowngrade: Check = {
  meta,
  run(facts) {
    const a = analysis(facts);
    const out: Finding[] = [];
    const seen = new Set<string>();
    const entries = new Map(a.topology.entries.map((e) => [e.id, e]));
    for (const r of a.verdict.routes) {
      if (r.scheme.believed !== 'https') continue;
      // The app first (an indexed look-up): at 10,000 proxied servers nearly every route stops here.
      const app = appByLabel(a.topology, r.trace.steps.find((x) => x.kind === 'app-server')?.label);
      if (app?.kind !== 'other' || app.name !== 'uwsgi') continue;
      const entry = entries.get(r.entryId);
      if (!entry || !isBrowserEntry(entry)) continue;
      const route = routesOf(a.topology, entry).find((x) => x.id === r.routeId);
      if (route?.protocol !== 'uwsgi') continue;
      const forged = simulateBrowser(a.topology, entry, route, { hostileHeaders: new Map([['x-forwarded-proto', 'http']]) });
      const last = finalStep(forged);
      if (!forged.complete || !last || last.kind === 'proxy' || last.scheme !== 'http') continue;
      const key = `${route.ref.file}:${route.ref.line}|${app.id}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(
        finding(meta, {
          message: `${r.url} (${route.match}) passes the client's own X-Forwarded-Proto to uWSGI, which takes it after the proxy's scheme param: a client that sends "X-Forwarded-Proto: http" over HTTPS makes the app believe its own request is plain HTTP (its own request only).`,
          evidence: evidences(facts, [
            [route.ref, 'passes the request headers to uWSGI as HTTP_* params; HTTP_X_FORWARDED_PROTO is not replaced'],
            [app.ref, 'uWSGI: X-Forwarded-Proto from any peer sets the scheme, after UWSGI_SCHEME/HTTPS'],
          ]),
          why: 'uWSGI has no trusted-proxy list: core/protocol.c sets the scheme from UWSGI_SCHEME and from HTTP_X_FORWARDED_PROTO in the order they arrive, and nginx sends its uwsgi_params before the request headers. An app that redirects http to https answers that client with a redirect loop; nobody else is affected.',
          fix: {
            description: `Replace the client's header in this route: add \`uwsgi_param HTTP_X_FORWARDED_PROTO $scheme;\` in the block that holds \`include uwsgi_params;\` (a uwsgi_param in a block without it drops the inherited params). Not patched mechanically: which block holds the params decides where it goes.`,
            file: route.ref.file,
            line: route.ref.line,
          },
          data: { app: app.label, route: route.match },
        }),
      );
    }
    return out;
  },
};
