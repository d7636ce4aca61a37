/**
 * chain/protocol-mismatch: a proxy route speaks one protocol to a socket that speaks another, so no request gets
 * through. Checked with Debian's uWSGI 2.0.21: an HTTP request on a `socket =` (uwsgi-protocol) port is read as a
 * uwsgi packet header ("GET " gives a block size of 21573) and dropped ("invalid request block size: 21573 (max
 * 4096)...skip"), the connection closes with an empty reply, and nginx answers 502. php-fpm (FastCGI) and a uwsgi
 * socket likewise reject each other's packets. A route is HTTP (`proxy_pass`, Caddy `reverse_proxy`, Traefik...) or
 * names its transport (`uwsgi_pass`, `fastcgi_pass`, `scgi_pass`); a bind says its protocol when the app server's
 * own configuration does (uWSGI `socket`, php-fpm `listen`). Checked on the real programs in
 * test/checks/chain/protocol-mismatch-real.test.ts.
 */
import { appById, proxyById } from '../../chain/model.js';
import { type Check, type CheckMeta, finding } from '../../model/check.js';
import type { Finding } from '../../model/finding.js';
import { analysis, evidences } from './common.js';

const meta: CheckMeta = {
  id: 'chain/protocol-mismatch',
  severity: 'high',
  title: 'The proxy speaks another protocol than the app server listens with: every request fails (502)',
  summary:
    'A proxy route sends HTTP to a uWSGI `socket` or php-fpm port (or uwsgi to FastCGI): the app server drops each request and the proxy answers 502 Bad Gateway.',
  references: [
    'https://uwsgi-docs.readthedocs.io/en/latest/Protocol.html',
    'https://uwsgi-docs.readthedocs.io/en/latest/HTTP.html',
    'https://nginx.org/en/docs/http/ngx_http_uwsgi_module.html',
  ],
};

const NAME = { http: 'HTTP', uwsgi: 'the uwsgi protocol', fastcgi: 'FastCGI', scgi: 'SCGI' } as const;

/** What to write instead on the proxy side, for a bind of this protocol. */
const PASS = {
  uwsgi: 'uwsgi_pass (with include uwsgi_params)',
  fastcgi: 'fastcgi_pass (with include fastcgi_params)',
  scgi: 'scgi_pass',
} as const;

export const protocolMismatch: Check = {
  meta,
  run(facts) {
    const a = analysis(facts);
    const t = a.topology;
    const out: Finding[] = [];
    const seen = new Set<string>();
    for (const l of t.links) {
      if (l.target.kind !== 'app') continue;
      const app = appById(t, l.target.appId);
      const bind = app?.binds[l.target.bind];
      const route = proxyById(t, l.fromHop)?.routes.find((r) => r.id === l.routeId);
      if (!app || !bind?.protocol || !route || route.protocol === 'grpc') continue;
      const sends = route.protocol === 'https' ? 'http' : route.protocol;
      if (sends === bind.protocol) continue;
      const key = `${l.fromHop}|${route.id}|${app.id}|${l.target.bind}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const upstream = route.upstreams[l.upstream]?.ref ?? route.ref;
      out.push(
        finding(meta, {
          message: `${route.match} sends ${NAME[sends]}${route.protocol === 'https' ? ' over TLS' : ''} to ${app.label}, which listens with ${NAME[bind.protocol]} there: ${bind.protocol === 'uwsgi' && sends === 'http' ? 'uWSGI reads the request line as a uwsgi packet header and drops it ("invalid request block size")' : `the app server cannot parse what it receives`}, so every request on this route fails with 502 Bad Gateway.`,
          evidence: evidences(facts, [
            [upstream, `sends ${NAME[sends]}`],
            [bind.ref ?? app.ref, `listens with ${NAME[bind.protocol]}`],
          ]),
          why: 'A proxy and an app server must speak the same protocol on a socket: nginx proxy_pass speaks HTTP, uwsgi_pass the uwsgi protocol, fastcgi_pass FastCGI. uWSGI serves HTTP only on `http-socket` (or its `http` router), php-fpm never.',
          fix: {
            description:
              sends === 'http'
                ? `Pass the route with ${PASS[bind.protocol]} instead of proxy_pass${bind.protocol === 'uwsgi' ? ', or make uWSGI speak HTTP on that port (`http-socket =` instead of `socket =`)' : ''}.`
                : `Use the pass directive of the app server's protocol (${PASS[bind.protocol]}).`,
            file: upstream.file,
            line: upstream.line,
          },
          data: { route: route.id, sends, listens: bind.protocol },
        }),
      );
    }
    return out;
  },
};
