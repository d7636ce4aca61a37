/**
 * Real repositories' nginx shapes: server includes read on their own (a file of `location` blocks), named
 * locations as chain routes (`try_files ... @app`, `error_page ... @app`), and the signs of a TLS-terminating
 * balancer in front of a plain-HTTP server. Tables of valid, invalid and trap cases.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { nginxHops } from '../../src/chain/topology/nginx.js';
import { forwardedProtoHardcoded } from '../../src/checks/nginx/forwarded-proto-hardcoded.js';
import { schemeBehindTlsTerminator } from '../../src/checks/nginx/scheme-behind-tls-terminator.js';
import { balancerSigns, frontProxyEvidence, nginxModel } from '../../src/facts/nginx/index.js';
import { factsFromText, summary } from '../checks/nginx/harness.js';

describe('server includes (fragments)', () => {
  const CASES: { name: string; file: string; text: string; servers: number; fragment?: boolean; listens?: string[] }[] = [
    {
      name: 'a file of location blocks is read as the body of one server',
      file: 'snippets/app-locations.conf',
      text: 'location / {\n  proxy_set_header Host $host;\n  proxy_pass http://127.0.0.1:8000;\n}\n',
      servers: 1,
      fragment: true,
      listens: [],
    },
    {
      name: 'set/if/location at the top (Elastic Beanstalk) with its documented listen 80',
      file: '.platform/nginx/conf.d/elasticbeanstalk/00_application.conf',
      text: 'set $h $http_host;\nif ($http_user_agent ~ ^ELB-HealthChecker) { set $h x; }\nlocation / { proxy_pass http://127.0.0.1:8000; }\n',
      servers: 1,
      fragment: true,
      listens: ['80'],
    },
    {
      name: 'trap: a file of server blocks is an http include, not a fragment',
      file: 'conf.d/site.conf',
      text: 'server { listen 80; location / { proxy_pass http://a:1; } }\n',
      servers: 1,
      fragment: false,
      listens: ['80'],
    },
    {
      name: 'trap: upstream/map only is not a server',
      file: 'conf.d/upstreams.conf',
      text: 'upstream app { server web:8000; }\nmap $a $b { default 1; }\n',
      servers: 0,
    },
  ];
  for (const c of CASES) {
    test(c.name, () => {
      const m = nginxModel(factsFromText(c.text, c.file));
      assert.equal(m.servers.length, c.servers);
      const s = m.servers[0];
      if (!s) return;
      assert.equal(s.fragment ?? false, c.fragment);
      assert.deepEqual(
        s.listens.map((l) => String(l.port)),
        c.listens,
      );
      // Findings on a fragment carry its own file:line.
      assert.equal(s.ref.file, c.file);
    });
  }

  test('trap: a hard-coded https in a fragment whose listen is unknown is not called "also plain HTTP"', () => {
    const facts = factsFromText(
      'location / {\n  proxy_set_header X-Forwarded-Proto https;\n  proxy_pass http://127.0.0.1:4004/;\n}\n',
      'issue/nginx.conf',
    );
    assert.deepEqual(summary(forwardedProtoHardcoded.run(facts)), []);
  });
});

describe('named locations are routes', () => {
  const CASES: { name: string; text: string; routes: string[] }[] = [
    {
      name: "try_files ... @app: the named location is the route for the referring location's path",
      text: 'server {\n listen 80;\n location /api/ { try_files $uri @app; }\n location @app { proxy_pass http://127.0.0.1:8000; }\n}\n',
      routes: ['location @app /api/'],
    },
    {
      name: 'error_page 404 = @app from the server level: path /',
      text: 'server {\n listen 80;\n error_page 404 = @app;\n location @app { proxy_pass http://127.0.0.1:8000; }\n}\n',
      routes: ['location @app /'],
    },
    {
      // The sample path is one the regex location matches (chain/topology/regex-sample.ts): `/` never reaches @app.
      name: 'a regex location that falls back to @app: a path the regex matches',
      text: 'server {\n listen 80;\n location ~ \\.php$ { try_files $uri @app; }\n location @app { proxy_pass http://127.0.0.1:8000; }\n}\n',
      routes: ['location @app /.php'],
    },
    {
      name: 'trap: a named location nothing refers to is not a route',
      text: 'server {\n listen 80;\n location @orphan { proxy_pass http://127.0.0.1:8000; }\n}\n',
      routes: [],
    },
    {
      name: 'trap: try_files ending in =404 names no location',
      text: 'server {\n listen 80;\n location / { try_files $uri =404; }\n location /x/ { proxy_pass http://127.0.0.1:8000; }\n}\n',
      routes: ['location /x/ /x/'],
    },
  ];
  for (const c of CASES) {
    test(c.name, () => {
      const { hops } = nginxHops(factsFromText(c.text));
      assert.deepEqual(
        hops.flatMap((h) => h.routes.map((r) => `${r.match} ${r.samplePath}`)),
        c.routes,
      );
    });
  }

  test('headers inherit into a named location like any location', () => {
    const { hops } = nginxHops(
      factsFromText(
        'server {\n listen 80;\n proxy_set_header X-Forwarded-Proto $scheme;\n location / { try_files $uri @app; }\n location @app { proxy_pass http://127.0.0.1:8000; }\n}\n',
      ),
    );
    const r = hops[0]?.routes[0];
    assert.ok(r?.headers.some((h) => h.name === 'X-Forwarded-Proto' && h.from === 'inherited'));
  });
});

describe('signs of a TLS-terminating balancer in front of a plain-HTTP server', () => {
  const CASES: { name: string; file?: string; text: string; signs: number }[] = [
    {
      name: 'if on $http_x_forwarded_proto (only a balancer sends it)',
      text: 'server {\n listen 80;\n if ($http_x_forwarded_proto != "https") { return 301 https://$host$request_uri; }\n location / { proxy_pass http://a:1; }\n}\n',
      signs: 1,
    },
    {
      name: "a branch for the balancer's health checker",
      text: 'server {\n listen 80;\n if ($http_user_agent ~ ELB-HealthChecker) { return 200; }\n location / { proxy_pass http://a:1; }\n}\n',
      signs: 1,
    },
    {
      name: 'the Elastic Beanstalk layout',
      file: '.platform/nginx/conf.d/elasticbeanstalk/app.conf',
      text: 'location / { proxy_pass http://127.0.0.1:8000; }\n',
      signs: 1,
    },
    {
      name: 'trap: a plain server with no sign',
      text: 'server {\n listen 80;\n location / { proxy_pass http://a:1; }\n}\n',
      signs: 0,
    },
    {
      name: 'trap: an if on the user agent that is not a balancer',
      text: 'server {\n listen 80;\n if ($http_user_agent ~ curl) { return 403; }\n location / { proxy_pass http://a:1; }\n}\n',
      signs: 0,
    },
  ];
  for (const c of CASES) {
    test(c.name, () => {
      const m = nginxModel(factsFromText(c.text, c.file));
      const s = m.servers[0];
      assert.ok(s);
      assert.equal(balancerSigns(s).length, c.signs);
      assert.equal(frontProxyEvidence(s).length, c.signs);
    });
  }
  test('scheme-behind-tls-terminator fires on the Elastic Beanstalk fragment at the $scheme line', () => {
    const facts = factsFromText(
      'if ($http_user_agent ~ ^ELB-HealthChecker) { set $h x; }\nlocation / {\n  proxy_set_header X-Forwarded-Proto $scheme;\n  proxy_pass http://127.0.0.1:8000;\n}\n',
      '.platform/nginx/conf.d/elasticbeanstalk/00_application.conf',
    );
    assert.deepEqual(summary(schemeBehindTlsTerminator.run(facts)), ['nginx/scheme-behind-tls-terminator@3']);
  });
  test('trap: a TLS server with an if on $http_x_forwarded_proto is the edge, no sign', () => {
    const m = nginxModel(
      factsFromText(
        'server {\n listen 443 ssl;\n if ($http_x_forwarded_proto = "http") { return 400; }\n location / { proxy_pass http://a:1; }\n}\n',
      ),
    );
    assert.equal(frontProxyEvidence(m.servers[0] as never).length, 0);
  });
});
