import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { planFixes } from '../../src/chain/plan.js';
import { computeVerdict } from '../../src/chain/verdict.js';
import { django, gunicorn, link, nginx, ref, route, rule, topo } from './topo.js';

const loop = link({ kind: 'loopback', ip: '127.0.0.1' });
const xfp = rule('X-Forwarded-Proto', '{scheme}', 21);

describe('chain simulator: nginx -> gunicorn -> Django', () => {
  it('seed: no X-Forwarded-Proto -> lost at nginx; redirect loop with SECURE_SSL_REDIRECT', () => {
    const app = gunicorn({ framework: django({ sslRedirect: { value: true, origin: 'literal', ref: ref('settings.py', 30) } }) });
    const v = computeVerdict(
      topo([nginx([route([rule('Host', '{host}', 20), rule('X-Real-IP', '{remote_addr}', 21)])])], [app], [loop]),
    );
    const r = v.routes[0];
    assert.ok(r);
    assert.equal(r.scheme.status, 'lost');
    assert.equal(r.scheme.believed, 'http');
    assert.equal(r.scheme.lostAt?.step, 1);
    assert.match(r.scheme.lostAt?.reason ?? '', /X-Forwarded-Proto missing/);
    assert.equal(r.redirect?.loop, true);
    assert.equal(r.host.status, 'correct');
    assert.equal(r.spoofable.length, 0);
  });

  it('X-Forwarded-Proto $scheme, no SECURE_PROXY_SSL_HEADER: correct (gunicorn trusts 127.0.0.1 by default) but fragile', () => {
    const t = topo([nginx([route([rule('Host', '{host}'), xfp])])], [gunicorn({ framework: django() })], [loop]);
    const v = computeVerdict(t);
    assert.equal(v.routes[0]?.scheme.status, 'correct');
    const plan = planFixes(t, v);
    assert.deepEqual(
      plan.fixes.map((f) => [f.kind, f.lines[0]]),
      [['robustness', "SECURE_PROXY_SSL_HEADER = ('HTTP_X_FORWARDED_PROTO', 'https')"]],
    );
  });

  it('proxy in another container: header sent but ignored by gunicorn -> lost at gunicorn', () => {
    const t = topo(
      [nginx([route([rule('Host', '{host}'), xfp])])],
      [gunicorn({ framework: django(), placement: { kind: 'container', service: 'web' } })],
      [link({ kind: 'container', service: 'nginx' })],
    );
    const r = computeVerdict(t).routes[0];
    assert.equal(r?.scheme.status, 'lost');
    assert.equal(r?.scheme.lostAt?.step, 2);
    assert.match(
      r?.scheme.lostAt?.reason ?? '',
      /ignores X-Forwarded-Proto from nginx container: not in forwarded_allow_ips=127\.0\.0\.1, default/,
    );
    const plan = planFixes(t);
    assert.equal(plan.fixes[0]?.kind, 'required');
    assert.match(plan.fixes[0]?.lines[0] ?? '', /SECURE_PROXY_SSL_HEADER/);
  });

  it('SECURE_PROXY_SSL_HEADER makes it correct even when gunicorn ignores the header', () => {
    const fw = django({
      schemeHeader: {
        value: { header: 'HTTP_X_FORWARDED_PROTO', value: 'https' },
        origin: 'literal',
        ref: ref('settings.py', 12),
      },
    });
    const t = topo([nginx([route([xfp])])], [gunicorn({ framework: fw })], [link({ kind: 'container', service: 'nginx' })]);
    assert.equal(computeVerdict(t).routes[0]?.scheme.status, 'correct');
  });

  it('Django 3.2 compares SECURE_PROXY_SSL_HEADER exactly: wrong case value loses the scheme', () => {
    const fw = django({
      schemeHeader: {
        value: { header: 'HTTP_X_FORWARDED_PROTO', value: 'HTTPS' },
        origin: 'literal',
        ref: ref('settings.py', 12),
      },
    });
    const r = computeVerdict(topo([nginx([route([xfp])])], [gunicorn({ framework: fw })], [loop])).routes[0];
    assert.equal(r?.scheme.status, 'lost');
    assert.equal(r?.scheme.lostAt?.label, 'Django');
  });

  it('inheritance trap: the route dropped the server-level header -> reason names both lines', () => {
    const dropped = [rule('X-Forwarded-Proto', '{scheme}', 12, 'inherited')];
    const r = computeVerdict(
      topo(
        [nginx([route([rule('X-Custom', 'a', 25)], { dropped, ownHeadersRef: ref('site.conf', 25) })])],
        [gunicorn({ framework: django() })],
        [loop],
      ),
    ).routes[0];
    assert.equal(r?.scheme.status, 'lost');
    assert.match(r?.scheme.lostAt?.reason ?? '', /site\.conf:25.*site\.conf:12/);
  });

  it('Host $host on :8443 loses the port; $http_host keeps it', () => {
    const mk = (v: string) =>
      computeVerdict(topo([nginx([route([rule('Host', v), xfp])], { port: 8443 })], [gunicorn({ framework: django() })], [loop]))
        .routes[0];
    const bad = mk('{host}');
    assert.equal(bad?.host.status, 'lost');
    assert.equal(bad?.host.believed, 'example.com');
    assert.equal(bad?.host.expected, 'example.com:8443');
    assert.equal(mk('{http_host}')?.host.status, 'correct');
  });

  it("gunicorn on 0.0.0.0 with forwarded_allow_ips='*': spoofable from any host; default trust: public but not spoofable", () => {
    const open = gunicorn({
      framework: django(),
      binds: [
        { address: { kind: 'tcp', host: '0.0.0.0', port: 8000 }, exposure: 'all-interfaces', ref: ref('gunicorn.service', 9) },
      ],
      trusted: { value: ['*'], origin: 'literal', ref: ref('gunicorn.conf.py', 3) },
    });
    const v = computeVerdict(topo([nginx([route([xfp])])], [open], [loop]));
    assert.deepEqual(v.backends[0]?.spoof?.what, ['scheme']);
    assert.equal(v.routes[0]?.spoofable[0]?.reach, 'network');
    const plan = planFixes(topo([nginx([route([xfp])])], [open], [loop]));
    assert.ok(plan.fixes.some((f) => f.kind === 'required' && (f.id.startsWith('bind:') || f.id.startsWith('narrow:'))));
    const closed = gunicorn({ framework: django(), binds: open.binds });
    const v2 = computeVerdict(topo([nginx([route([xfp])])], [closed], [loop]));
    assert.equal(v2.backends[0]?.spoof, undefined);
    assert.equal(v2.backends[0]?.bypassesProxy, true);
  });

  it('plain-HTTP listener passing client X-Forwarded-Proto through: spoofable through nginx', () => {
    const t = topo([nginx([route([rule('Host', '{host}')])], { tls: false })], [gunicorn({ framework: django() })], [loop]);
    const v = computeVerdict(t);
    assert.equal(v.entrySpoofs.length, 1);
    assert.deepEqual(v.entrySpoofs[0]?.what, ['scheme']);
    const t2 = topo([nginx([route([xfp])], { tls: false })], [gunicorn({ framework: django() })], [loop]);
    assert.equal(computeVerdict(t2).entrySpoofs.length, 0);
  });

  it('unresolved link: never guessed', () => {
    const t = topo(
      [nginx([route([xfp])])],
      [],
      [
        link(
          { kind: 'unknown' },
          { target: { kind: 'unresolved', reason: 'nothing listens on web:8000', need: 'give the compose file' } },
        ),
      ],
    );
    const r = computeVerdict(t).routes[0];
    assert.equal(r?.complete, false);
    // The app is not guessed: what it believes stays unknown; the generic app hop says https arrives (delivered).
    assert.equal(r?.scheme.status, 'delivered');
    assert.equal(r?.scheme.believed, 'unknown');
    assert.deepEqual(r?.scheme.arrives, { scheme: 'https', header: 'X-Forwarded-Proto', step: 1 });
    assert.match(r?.trace.unresolved?.need ?? '', /compose/);
  });
});

describe('chain simulator: other app servers and frameworks', () => {
  it('uvicorn --proxy-headers default trusts 127.0.0.1; off: lost at uvicorn', () => {
    const uv = (on: boolean) =>
      gunicorn({
        kind: 'uvicorn',
        label: 'uvicorn 127.0.0.1:8000',
        proxyHeaders: { value: on, origin: on ? 'default' : 'literal', ref: ref('run.sh', 2) },
        framework: { kind: 'fastapi', label: 'FastAPI', ref: ref('main.py', 1) },
      });
    assert.equal(computeVerdict(topo([nginx([route([xfp])])], [uv(true)], [loop])).routes[0]?.scheme.status, 'correct');
    const r = computeVerdict(topo([nginx([route([xfp])])], [uv(false)], [loop])).routes[0];
    assert.equal(r?.scheme.lostAt?.label, 'uvicorn 127.0.0.1:8000');
  });

  it('daphne ignores proxy headers unless --proxy-headers', () => {
    const d = gunicorn({
      kind: 'daphne',
      label: 'daphne',
      proxyHeaders: { value: false, origin: 'default' },
      trusted: { value: [], origin: 'default' },
      framework: django(),
    });
    assert.equal(computeVerdict(topo([nginx([route([xfp])])], [d], [loop])).routes[0]?.scheme.status, 'lost');
  });

  it('gunicorn trusts scheme headers from a unix socket peer', () => {
    const r = computeVerdict(topo([nginx([route([xfp])])], [gunicorn({ framework: django() })], [link({ kind: 'unix' })]))
      .routes[0];
    assert.equal(r?.scheme.status, 'correct');
  });

  it('Express trust proxy unset: lost at Express; loopback: correct; true on a public port: spoofable', () => {
    const node = (trust: boolean | string[] | undefined, exposure: 'loopback' | 'all-interfaces' = 'loopback') =>
      gunicorn({
        kind: 'node',
        label: 'node :3000',
        binds: [
          {
            address: { kind: 'tcp', host: exposure === 'loopback' ? '127.0.0.1' : '0.0.0.0', port: 3000 },
            exposure,
            ref: ref('app.js', 20),
          },
        ],
        framework: {
          kind: 'express',
          label: 'Express',
          ref: ref('app.js', 1),
          trustProxy: trust === undefined ? undefined : { value: trust, origin: 'literal', ref: ref('app.js', 4) },
        },
      });
    const unset = computeVerdict(topo([nginx([route([xfp])])], [node(undefined)], [loop])).routes[0];
    assert.equal(unset?.scheme.lostAt?.label, 'Express');
    assert.match(unset?.scheme.lostAt?.reason ?? '', /trust proxy unset/);
    assert.equal(computeVerdict(topo([nginx([route([xfp])])], [node(['loopback'])], [loop])).routes[0]?.scheme.status, 'correct');
    const v = computeVerdict(topo([nginx([route([xfp])])], [node(true, 'all-interfaces')], [loop]));
    assert.deepEqual(v.backends[0]?.spoof?.what, ['scheme', 'host', 'client']);
  });

  it('@proxyproof/forwarded expressForwarded({ trust }): the proxy address in the list -> https; not in it -> http; list unknown -> unknown', () => {
    const mk = (trust: string[] | undefined) =>
      gunicorn({
        kind: 'node',
        label: 'node :3000',
        binds: [{ address: { kind: 'tcp', host: '127.0.0.1', port: 3000 }, exposure: 'loopback' }],
        framework: {
          kind: 'express',
          label: 'Express',
          ref: ref('server.mjs', 1),
          forwardedLib: { name: 'expressForwarded', trust, ref: ref('server.mjs', 7) },
        },
      });
    const v = (trust: string[] | undefined) =>
      computeVerdict(topo([nginx([route([rule('Host', '{host}'), xfp])])], [mk(trust)], [loop])).routes[0]?.scheme;
    assert.equal(v(['127.0.0.1'])?.status, 'correct');
    assert.equal(v(['10.0.0.1'])?.believed, 'http');
    assert.equal(v(undefined)?.status, 'unknown');
  });

  it('Flask ProxyFix(x_proto=2) behind one proxy keeps http; x_proto=1 reads it', () => {
    const fl = (n: number) =>
      gunicorn({
        trusted: { value: [], origin: 'literal' },
        framework: {
          kind: 'flask',
          label: 'Flask',
          ref: ref('app.py', 1),
          proxyFix: { value: { x_for: n, x_proto: n, x_host: 0, x_port: 0 }, origin: 'literal', ref: ref('app.py', 5) },
        },
      });
    assert.equal(computeVerdict(topo([nginx([route([xfp])])], [fl(2)], [loop])).routes[0]?.scheme.status, 'lost');
    assert.equal(computeVerdict(topo([nginx([route([xfp])])], [fl(1)], [loop])).routes[0]?.scheme.status, 'correct');
  });

  it('TLS load balancer in front of nginx with $scheme: lost at nginx; $http_x_forwarded_proto: correct', () => {
    const mk = (v: string) => {
      const h = nginx([route([rule('X-Forwarded-Proto', v)])], { tls: false });
      const t = topo([h], [gunicorn({ framework: django() })], [loop]);
      for (const e of t.entries)
        e.lb = { type: 'lb', label: 'TLS load balancer', mode: 'http', port: 443, why: 'test', origin: 'declared' };
      return computeVerdict(t).routes[0];
    };
    const bad = mk('{scheme}');
    assert.equal(bad?.scheme.lostAt?.label, 'nginx :80 (site.conf:10)');
    assert.match(bad?.scheme.lostAt?.reason ?? '', /X-Forwarded-Proto: http/);
    assert.equal(mk('{in:x-forwarded-proto}')?.scheme.status, 'correct');
  });
});
