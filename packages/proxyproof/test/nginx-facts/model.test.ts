/**
 * The nginx semantic model: listeners and their defaults, effective upstream headers after
 * inheritance (http -> server -> location -> nested location / if), nginx's default headers,
 * drops, upstream resolution, include provenance (built-in stock files), map/geo tracing.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseNginxText } from '../../src/collectors/nginx/index.js';
import {
  buildNginxFacts,
  headerEntry,
  type NginxScope,
  type NginxServer,
  nginxModel,
  parseListen,
  passingScopes,
  schemeHeaders,
  traceValue,
} from '../../src/facts/nginx/index.js';
import { factsFromFiles, factsFromText } from '../checks/nginx/harness.js';

function model(text: string) {
  return nginxModel(factsFromText(text));
}
function scope(server: NginxServer | undefined, label: string): NginxScope {
  const s = server?.scopes.find((x) => x.label === label);
  assert.ok(s, `no scope ${label}; have ${server?.scopes.map((x) => x.label).join(' | ')}`);
  return s;
}
/** Entries as `Name=value`; nginx's body/hop-by-hop defaults (Content-Length, TE, Upgrade "" ...) are left out unless `all`. */
const names = (s: NginxScope, kind: 'proxy' | 'uwsgi' | 'fastcgi' | 'grpc' | 'scgi' = 'proxy', all = false) =>
  s.headers[kind].entries
    .filter((e) => all || e.origin === 'directive' || /^(host|connection)$/i.test(e.name))
    .map((e) => `${e.name}=${e.value}${e.origin === 'default' ? ' (default)' : ''}`);

describe('listeners', () => {
  test('parseListen forms: port, addr:port, [v6]:port, unix, host alone, flags', () => {
    const ref = { file: 'f', line: 1, source: 'file' as const, text: '', includedVia: [], enclosing: 'server' };
    const p = (a: string) => {
      const l = parseListen(a.split(' '), ref);
      return [l.address, l.port ?? l.unix, l.ssl, l.http2, l.proxyProtocol, l.defaultServer].join(',');
    };
    assert.equal(p('8080'), '*,8080,false,false,false,false');
    assert.equal(p('127.0.0.1:8443 ssl http2'), '127.0.0.1,8443,true,true,false,false');
    assert.equal(p('[::]:443 ssl default_server'), '[::],443,true,false,false,true');
    assert.equal(p('[::1]'), '[::1],80,false,false,false,false');
    assert.equal(p('unix:/run/nginx.sock'), 'unix:/run/nginx.sock,/run/nginx.sock,false,false,false,false');
    assert.equal(p('example.org'), 'example.org,80,false,false,false,false');
    assert.equal(p('*:80 proxy_protocol'), '*,80,false,false,true,false');
  });

  test('a server without listen gets *:80; `ssl on;` makes every listener TLS (legacy); `http2 on;`', () => {
    const m = model(`
server { server_name a.test; }
server { listen 443; listen 8443; ssl on; server_name b.test; }
server { listen 443 ssl; http2 on; }
`);
    const [a, b, c] = m.servers;
    assert.deepEqual(
      a?.listens.map((l) => [l.port, l.ssl, l.defaulted]),
      [[80, false, true]],
    );
    assert.equal(a?.tls, false);
    assert.equal(a?.plain, true);
    assert.deepEqual(
      b?.listens.map((l) => [l.port, l.ssl, l.sslFromLegacyDirective]),
      [
        [443, true, true],
        [8443, true, true],
      ],
    );
    assert.equal(b?.tls, true);
    assert.equal(b?.plain, false);
    assert.equal(c?.listens[0]?.http2, true);
  });

  test('server_name, realip inherited from http, server-level redirects', () => {
    const m = nginxModel(
      factsFromText(
        `
http {
  set_real_ip_from 10.0.0.0/8;
  real_ip_header X-Forwarded-For;
  server {
    listen 80;
    server_name a.test www.a.test;
    server_name other.test;
    return 301 https://$host$request_uri;
  }
  server {
    listen 80;
    set_real_ip_from 192.168.0.0/16;
    real_ip_recursive on;
    rewrite ^ https://b.test$request_uri? permanent;
  }
  server {
    listen 80;
    if ($scheme = http) { return 302 https://$host$request_uri; }
  }
}`,
        'nginx.conf',
      ),
    );
    const [a, b, c] = m.servers;
    assert.deepEqual(a?.serverNames, ['a.test', 'www.a.test', 'other.test']);
    assert.deepEqual(
      a?.realIp.from.map((f) => f.value),
      ['10.0.0.0/8'],
    );
    assert.equal(a?.realIp.header?.value, 'X-Forwarded-For');
    assert.deepEqual(
      a?.redirects.map((r) => [r.kind, r.code, r.targetScheme, r.unconditional]),
      [['return', 301, 'https', true]],
    );
    // set_real_ip_from at server level replaces http's list; real_ip_header is still inherited.
    assert.deepEqual(
      b?.realIp.from.map((f) => f.value),
      ['192.168.0.0/16'],
    );
    assert.equal(b?.realIp.header?.value, 'X-Forwarded-For');
    assert.equal(b?.realIp.recursive?.value, true);
    assert.deepEqual(
      b?.redirects.map((r) => [r.kind, r.code, r.targetScheme, r.unconditional]),
      [['rewrite', 301, 'https', true]],
    );
    assert.deepEqual(
      c?.redirects.map((r) => [r.kind, r.code, r.unconditional]),
      [['return', 302, false]],
    );
  });

  test('stream {} servers are not http servers', () => {
    const m = nginxModel(
      factsFromText('stream { server { listen 5432; proxy_pass db:5432; } }\nhttp { server { listen 80; } }', 'nginx.conf'),
    );
    assert.equal(m.servers.length, 1);
  });
});

describe('effective proxy headers', () => {
  const conf = `
http {
  proxy_set_header X-From-Http 1;
  server {
    listen 443 ssl;
    proxy_set_header Host $host;
    proxy_set_header X-Forwarded-Proto $scheme;
    location / {
      proxy_pass http://127.0.0.1:8000;
      location /nested/ {
        proxy_pass http://127.0.0.1:8001;
      }
      location /nested-own/ {
        proxy_set_header X-Only $remote_addr;
        proxy_pass http://127.0.0.1:8002;
      }
      if ($request_method = POST) {
        proxy_pass http://127.0.0.1:8003;
      }
    }
    location /ws/ {
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection "upgrade";
      proxy_pass http://127.0.0.1:8004;
    }
    location /static/ { root /srv; }
  }
}`;
  const m = nginxModel(factsFromText(conf, 'nginx.conf'));
  const s = m.servers[0];

  test('a level with no proxy_set_header inherits the nearest set (server), plus nginx defaults', () => {
    assert.deepEqual(names(scope(s, 'location /')), ['Host=$host', 'X-Forwarded-Proto=$scheme', 'Connection=close (default)']);
    assert.equal(scope(s, 'location /').headers.proxy.fromLevel, 'server');
    assert.deepEqual(names(scope(s, 'location /'), 'proxy', true).slice(2), [
      'Connection=close (default)',
      'Content-Length=$proxy_internal_body_length (default)',
      'Transfer-Encoding=$proxy_internal_chunked (default)',
      'TE= (default)',
      'Keep-Alive= (default)',
      'Expect= (default)',
      'Upgrade= (default)',
    ]);
    assert.deepEqual(names(scope(s, 'location /nested/ in location /')), names(scope(s, 'location /')));
  });

  test('a level that sets any inherits none: defaults Host $proxy_host / Connection close come back', () => {
    const own = scope(s, 'location /nested-own/ in location /');
    assert.deepEqual(names(own), ['X-Only=$remote_addr', 'Host=$proxy_host (default)', 'Connection=close (default)']);
    assert.equal(schemeHeaders(own.headers.proxy).length, 0);
    assert.deepEqual(
      own.headers.proxy.drops.map((d) => [d.byLevel, d.by.line, d.fromLevel, d.dropped.map((e) => e.name).join(',')]),
      [
        ['location', 14, 'server', 'Host,X-Forwarded-Proto'],
        ['server', 6, 'http', 'X-From-Http'],
      ],
    );
  });

  test('re-setting Connection replaces the default; the drop names the first own line', () => {
    const ws = scope(s, 'location /ws/');
    assert.deepEqual(names(ws), ['Upgrade=$http_upgrade', 'Connection=upgrade', 'Host=$proxy_host (default)']);
    assert.equal(ws.headers.proxy.drops[0]?.by.line, 22);
    assert.equal(headerEntry(ws.headers.proxy, 'host')?.origin, 'default');
  });

  test('if inherits the location headers; its own proxy_pass is its pass', () => {
    const i = scope(s, 'if ($request_method = POST) in location /');
    assert.equal(i.kind, 'if');
    assert.equal(i.pass?.port, 8003);
    assert.equal(i.passInherited, false);
    assert.deepEqual(names(i), names(scope(s, 'location /')));
  });

  test('passingScopes lists locations that proxy, not static ones', () => {
    assert.deepEqual(
      passingScopes(s as NginxServer).map((x) => x.label),
      [
        'location /',
        'location /nested/ in location /',
        'location /nested-own/ in location /',
        'if ($request_method = POST) in location /',
        'location /ws/',
      ],
    );
  });

  test('an if without its own pass inherits the location handler but is not listed twice', () => {
    const mm = model('server { listen 443 ssl; location / { proxy_pass http://a:1; if ($x) { set $y 1; } } }');
    const i = scope(mm.servers[0], 'if ($x) in location /');
    assert.equal(i.passInherited, true);
    assert.equal(i.pass?.host, 'a');
    assert.equal(passingScopes(mm.servers[0] as NginxServer).length, 1);
  });

  test('a location that returns does not pass', () => {
    const mm = model('server { location / { return 301 https://$host$request_uri; proxy_pass http://a; } }');
    assert.equal(passingScopes(mm.servers[0] as NginxServer).length, 0);
  });

  test('proxy_pass_request_headers, proxy_redirect, absolute_redirect, port_in_redirect are inherited', () => {
    const mm = model(`server {
  absolute_redirect off;
  location / { proxy_pass_request_headers off; proxy_redirect http://a/ /; proxy_pass http://a; location /x { proxy_pass http://a; } }
  location /y { proxy_pass http://a; port_in_redirect off; }
}`);
    const sv = mm.servers[0];
    const x = scope(sv, 'location /x in location /');
    assert.equal(x.passRequestHeaders, false);
    assert.deepEqual(
      x.proxyRedirect.map((r) => r.value),
      [['http://a/', '/']],
    );
    assert.equal(x.absoluteRedirect.value, false);
    const y = scope(sv, 'location /y');
    assert.equal(y.passRequestHeaders, true);
    assert.deepEqual(
      y.proxyRedirect.map((r) => r.value),
      [['default']],
    );
    assert.equal(y.portInRedirect.value, false);
  });
});

describe('params of uwsgi / fastcgi / scgi / grpc', () => {
  test('uwsgi_param with if_not_empty, same inheritance rule, no proxy defaults', () => {
    const mm = model(`server {
  listen 443 ssl;
  uwsgi_param HTTPS $https if_not_empty;
  location / { uwsgi_pass unix:/run/uwsgi/app.sock; }
  location /api { uwsgi_param X 1; uwsgi_pass 127.0.0.1:3031; }
  location /g { grpc_set_header X-Forwarded-Proto $scheme; grpc_pass grpcs://g:50051; }
}`);
    const sv = mm.servers[0];
    const root = scope(sv, 'location /');
    assert.deepEqual(
      root.headers.uwsgi.entries.map((e) => [e.name, e.value, e.ifNotEmpty]),
      [['HTTPS', '$https', true]],
    );
    assert.equal(root.pass?.unix, '/run/uwsgi/app.sock');
    const api = scope(sv, 'location /api');
    assert.deepEqual(
      api.headers.uwsgi.entries.map((e) => e.name),
      ['X'],
    );
    assert.deepEqual(
      api.headers.uwsgi.drops[0]?.dropped.map((e) => e.name),
      ['HTTPS'],
    );
    assert.equal(api.pass?.host, '127.0.0.1');
    assert.equal(api.pass?.port, 3031);
    const g = scope(sv, 'location /g');
    assert.equal(g.pass?.scheme, 'grpcs');
    assert.equal(g.pass?.port, 50051);
    assert.deepEqual(
      g.headers.grpc.entries.map((e) => e.name),
      ['X-Forwarded-Proto'],
    );
  });
});

describe('upstreams', () => {
  test('proxy_pass to a named upstream resolves its servers; literal host:port and unix sockets are parsed', () => {
    const mm = nginxModel(
      factsFromText(
        `http {
  upstream app { server 127.0.0.1:8000 max_fails=3; server unix:/run/gunicorn.sock backup; }
  server {
    location / { proxy_pass http://app; }
    location /b { proxy_pass https://backend.internal/prefix/; }
    location /c { proxy_pass http://unix:/run/app.sock:/x; }
    location /d { proxy_pass http://$upstream_host; }
    location /e { fastcgi_pass php; }
    location /f { fastcgi_pass unix:/run/php/php8.2-fpm.sock; }
  }
}`,
        'nginx.conf',
      ),
    );
    const sv = mm.servers[0];
    const a = scope(sv, 'location /').pass;
    assert.equal(a?.upstream?.name, 'app');
    assert.deepEqual(
      a?.upstream?.servers.map((x) => [x.host ?? x.unix, x.port, x.params.join(' ')]),
      [
        ['127.0.0.1', 8000, 'max_fails=3'],
        ['/run/gunicorn.sock', undefined, 'backup'],
      ],
    );
    const b = scope(sv, 'location /b').pass;
    assert.deepEqual([b?.scheme, b?.host, b?.port, b?.uri], ['https', 'backend.internal', 443, '/prefix/']);
    const c = scope(sv, 'location /c').pass;
    assert.deepEqual([c?.unix, c?.uri], ['/run/app.sock', '/x']);
    assert.equal(scope(sv, 'location /d').pass?.variable, true);
    // `fastcgi_pass php;` names no upstream here: a host name.
    assert.equal(scope(sv, 'location /e').pass?.host, 'php');
    assert.equal(scope(sv, 'location /f').pass?.unix, '/run/php/php8.2-fpm.sock');
  });
});

describe('includes and provenance', () => {
  test('include proxy_params (built-in copy) provides X-Forwarded-Proto $scheme, with the include as its origin', () => {
    const facts = factsFromText(
      'server {\n  listen 443 ssl;\n  location / {\n    include proxy_params;\n    proxy_pass http://127.0.0.1:8000;\n  }\n}\n',
    );
    const sv = nginxModel(facts).servers[0];
    const loc = scope(sv, 'location /');
    const xfp = headerEntry(loc.headers.proxy, 'X-Forwarded-Proto');
    assert.equal(xfp?.value, '$scheme');
    assert.equal(xfp?.ref?.source, 'builtin');
    assert.match(xfp?.ref?.file ?? '', /proxy_params$/);
    assert.deepEqual(
      xfp?.ref?.includedVia.map((r) => [r.file, r.line, r.text]),
      [['site.conf', 4, 'include proxy_params;']],
    );
    assert.equal(headerEntry(loc.headers.proxy, 'Host')?.value, '$host');
    assert.deepEqual(loc.unresolvedIncludes, []);
  });

  test('a real included file: entries point at that file and line; a dangling include is recorded', () => {
    const { facts } = factsFromFiles(
      {
        'nginx.conf': 'http {\n  include conf.d/*.conf;\n}\n',
        'conf.d/site.conf':
          'server {\n  listen 443 ssl;\n  location / {\n    include snippets/headers.conf;\n    proxy_pass http://app;\n  }\n  location /x {\n    include snippets/missing.conf;\n    proxy_pass http://app;\n  }\n}\n',
        'snippets/headers.conf': 'proxy_set_header Host $host;\nproxy_set_header X-Forwarded-Proto $scheme;\n',
      },
      'nginx.conf',
    );
    const sv = nginxModel(facts).servers[0];
    const xfp = headerEntry(scope(sv, 'location /').headers.proxy, 'X-Forwarded-Proto');
    assert.match(xfp?.ref?.file ?? '', /snippets\/headers\.conf$/);
    assert.equal(xfp?.ref?.line, 2);
    assert.equal(xfp?.ref?.source, 'file');
    assert.equal(xfp?.ref?.includedVia.length, 2);
    assert.equal(scope(sv, 'location /x').unresolvedIncludes.length, 1);
    assert.equal(scope(sv, 'location /').unresolvedIncludes.length, 0);
  });

  test('buildNginxFacts keeps configs and adds servers/https; nginxModel reuses them', () => {
    const tree = parseNginxText('server { listen 80; }', 'a.conf');
    const nf = buildNginxFacts([tree]);
    assert.equal(nf.configs[0], tree);
    assert.equal(nf.servers?.length, 1);
    assert.equal(nginxModel({ nginx: nf }).servers, nf.servers);
  });

  test('nginxModel is memoized per configs array', () => {
    const facts = factsFromText('server { listen 80; }');
    assert.equal(nginxModel(facts), nginxModel(facts));
  });
});

describe('map / geo / set tracing', () => {
  const conf = (extra: string) => `http {
  ${extra}
  server {
    listen 80;
    location / { proxy_pass http://a; }
  }
}`;
  const trace = (extra: string, value: string) => {
    const m = nginxModel(factsFromText(conf(extra), 'nginx.conf'));
    return traceValue(m, m.servers[0] as NginxServer, value);
  };

  test('a direct client variable is unguarded', () => {
    const t = trace('', '$http_x_forwarded_proto');
    assert.deepEqual(t.clientVariables, ['$http_x_forwarded_proto']);
    assert.equal(t.guarded, false);
  });

  test('a map keyed on the client header is still client-controlled', () => {
    const t = trace('map $http_x_forwarded_proto $p { default $http_x_forwarded_proto; "" $scheme; }', '$p');
    assert.deepEqual(t.clientVariables, ['$http_x_forwarded_proto']);
    assert.equal(t.guarded, false);
    assert.ok(t.variables.includes('$scheme'));
  });

  test('geo on $realip_remote_addr + map on "$trusted:$http_x_forwarded_proto" is guarded', () => {
    const t = trace(
      'geo $realip_remote_addr $trusted { default 0; 10.0.0.0/8 1; }\n  map "$trusted:$http_x_forwarded_proto" $p { default $scheme; "1:https" https; }',
      '$p',
    );
    assert.equal(t.guarded, true);
    assert.deepEqual(
      t.guards.map((g) => g.name),
      ['$p', '$trusted'],
    );
  });

  test('a map on $remote_addr choosing the client header is guarded; literals of a literal map are known', () => {
    assert.equal(trace('map $remote_addr $p { default $scheme; 10.0.0.1 $http_x_forwarded_proto; }', '$p').guarded, true);
    assert.deepEqual(trace('map $host $p { default https; a.test http; }', '$p').literals.sort(), ['http', 'https']);
    assert.deepEqual(trace('', 'https').literals, ['https']);
  });

  test('set inside if ($realip_remote_addr ...) is guarded; an unconditional set is not', () => {
    const m = model(`server {
  set $p $scheme;
  if ($realip_remote_addr = 10.0.0.1) { set $p $http_x_forwarded_proto; }
  set $q $http_x_forwarded_proto;
  location / { proxy_pass http://a; }
}`);
    const sv = m.servers[0] as NginxServer;
    assert.equal(traceValue(m, sv, '$p').guarded, true);
    assert.equal(traceValue(m, sv, '$q').guarded, false);
  });

  test('a cycle of maps terminates', () => {
    const t = trace('map $b $a { default $b; }\n  map $a $b { default $http_x; }', '$a');
    assert.deepEqual(t.clientVariables, ['$http_x']);
  });
});
