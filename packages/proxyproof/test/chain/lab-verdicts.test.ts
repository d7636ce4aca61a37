/**
 * For every lab scenario (and variant): render the deployment files that the lab really runs
 * (`renderScenario`, no processes), run the doctor on them, and assert its verdict equals the
 * outcome the lab's own tests observe with real nginx/Caddy/gunicorn/uvicorn/Django/Chromium:
 *  - broken/clean: `expected.appScheme` = the scheme the doctor says the app believes (per path when
 *    `expected.cleanPath` says only one path is clean), `redirectLoop`, `portLost`;
 *  - the hop: the lab's Expected has no machine-readable hop, so LOSS_HOP below names the hop each
 *    broken scenario's own summary names (quoted), and the doctor must blame that hop;
 *  - spoofability: `outsideSpoof` accepted / ignored / unreachable = the doctor's direct-to-backend
 *    verdict from "any host that can reach" the port.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { runDoctor } from '../../src/chain/run.js';
import type { RouteVerdict } from '../../src/chain/verdict.js';

// The lab package (a sibling workspace) is imported from source, as its own tests do.
const lab = (await import('../../../../lab/src/index.js')) as {
  listScenarios(): Promise<Array<{ id: string; scenario: string; variant?: string; expected: Record<string, unknown> }>>;
  renderScenario(id: string, dir: string): Promise<{ dir: string }>;
  resolveEntry(id: string): Promise<{
    def: { processes: Array<{ file: string }>; variants?: Record<string, { processes?: Array<{ file: string }> }> };
    variant?: string;
  }>;
};

/**
 * A variant's overlay adds its own unit next to the base's (13:daphne renders daphne.service and
 * keeps uvicorn.service); both bind the same address, which the doctor rightly calls ambiguous.
 * Keep only the units the scenario starts: those are the deployment that ran.
 */
async function dropUnitsNotStarted(id: string, dir: string): Promise<string[]> {
  const { def, variant } = await lab.resolveEntry(id);
  const procs = (variant ? def.variants?.[variant]?.processes : undefined) ?? def.processes;
  const started = new Set(procs.map((p) => p.file));
  const dropped: string[] = [];
  for (const f of readdirSync(dir)) {
    if (f.endsWith('.service') && !started.has(f)) {
      rmSync(join(dir, f));
      dropped.push(f);
    }
  }
  return dropped;
}

/** The hop each broken scenario's summary blames (first word of the doctor's hop label). */
const LOSS_HOP: Record<string, string> = {
  // "Django sees http" with no X-Forwarded-Proto from nginx (issue 3, scenario 1)
  '01-nginx-gunicorn-no-xfp': 'nginx',
  // "broken again: the clean result came from gunicorn's default trust of 127.0.0.1"
  '02-nginx-gunicorn-xfp:gunicorn-distrusts-loopback': 'gunicorn',
  // scenario 3 is scenario 1 + SECURE_SSL_REDIRECT
  '03-ssl-redirect-loop': 'nginx',
  '03-ssl-redirect-loop:non-default-port': 'nginx',
  // "/reports/ (its location sets X-Request-ID, so it inherits no proxy_set_header)"
  '04-nginx-location-inheritance': 'nginx',
  // "gunicorn's forwarded_allow_ips defaults to 127.0.0.1 and the proxy is another host"
  '05-cross-host-gunicorn': 'gunicorn',
  // "header_up overrides Caddy's own X-Forwarded-Proto: a browser sends none, so uvicorn gets an empty one"
  '08-caddy-uvicorn-django:header-up-copied': 'caddy',
  // "Caddy (no trusted_proxies) replaces it with http"
  '09-lb-caddy-no-trusted-proxies': 'caddy',
  // "Caddy on the app host (no trusted_proxies) replaces it with http" (two proxies on two hosts)
  '30-nginx-edge-caddy-other-host-no-trusted-proxies': 'caddy',
  // "HAProxy sends X-Forwarded-For (option forwardfor) but no X-Forwarded-Proto"
  '10-haproxy-gunicorn-no-xfp': 'haproxy',
  // "mod_proxy sends X-Forwarded-For/Host/Server but no X-Forwarded-Proto"
  '11-apache-gunicorn-no-xfp': 'apache',
  // "nginx sends X-Forwarded-Proto: https but Express trusts no proxy"
  '12-nginx-express-trust-proxy': 'Express',
  // "uvicorn ... only from --forwarded-allow-ips (default 127.0.0.1): the proxy is not trusted"
  '13-cross-host-uvicorn': 'uvicorn',
  // "daphne ignores X-Forwarded-* unless --proxy-headers"
  '13-cross-host-uvicorn:daphne': 'daphne',
  // "Rails (force_ssl) redirects every https request": nginx sends no X-Forwarded-Proto (issue 14, scenario 40)
  '40-nginx-puma-rails-force-ssl': 'nginx',
  // "waitress (no trusted_proxy) ignores it and Flask has no ProxyFix" (issue 14, scenario 41)
  '41-nginx-waitress-flask': 'waitress',
  // "nginx passes no HTTPS param (the project's own copy of uWSGI's uwsgi_params has none)" (scenario 42)
  '42-nginx-uwsgi-django': 'nginx',
  // "Apache sends X-Forwarded-Proto: https but Tomcat has no RemoteIpValve" (scenario 43)
  '43-apache-tomcat-remoteipvalve': 'Tomcat',
  // "Symfony trusts no proxy" behind HAProxy -> nginx -> php-fpm (scenario 44)
  '44-haproxy-nginx-phpfpm-symfony': 'Symfony',
  // "TrustProxies' $proxies is unset: Laravel trusts nobody" behind Caddy -> nginx -> php-fpm (scenario 45)
  '45-caddy-nginx-phpfpm-laravel': 'Laravel',
  // "next start fills X-Forwarded-Proto with http": nginx sends none (issue 14, scenario 46)
  '46-nginx-nextjs': 'nginx',
  // "mod_proxy sends no X-Forwarded-Proto and the Passenger vhost is plain http" (issue 14, scenario 60)
  '60-apache-passenger-rails-force-ssl': 'apache',
};

const scenarios = await lab.listScenarios();
const base = mkdtempSync(join(tmpdir(), 'pp-doctor-lab-'));
after(() => rmSync(base, { recursive: true, force: true }));

function pathOf(r: RouteVerdict): string {
  return new URL(r.url).pathname;
}

describe('doctor verdicts equal the lab-observed outcomes', () => {
  it('the lab lists scenarios 1..13', () => {
    const numbers = new Set(scenarios.map((s) => Number(s.scenario.slice(0, 2))));
    for (let n = 1; n <= 13; n++) assert.ok(numbers.has(n), `scenario ${n} missing from the lab`);
  });

  for (const s of scenarios) {
    it(s.id, async (t) => {
      const dir = join(base, s.id.replace(/[^a-z0-9-]/gi, '_'));
      await lab.renderScenario(s.id, dir);
      await dropUnitsNotStarted(s.id, dir);
      const { analysis, inventory } = await runDoctor([dir]);
      const e = s.expected as {
        appScheme?: string;
        redirectLoop?: boolean;
        portLost?: boolean;
        outsideSpoof?: string;
        cleanPath?: string;
      };
      const routes = analysis.verdict.routes;
      const where = `doctor found: ${inventory.found.join(' | ')}; missing: ${inventory.missing.join(' | ')}`;
      // Known gap, reported rather than hidden: an app whose listen address is computed at run time
      // (lab/apps/express/app.mjs listenLab(app, host, port)) cannot be linked until the node
      // collector resolves the call's literal arguments. The assertions still run and show.
      if (routes.some((r) => r.trace.unresolved?.what.includes('computed at run time')))
        t.todo('node collector: listen address passed through a function parameter');
      // Known gap: the node collector records that @proxyproof/forwarded is used, not its `trust` option.
      if (routes.some((r) => r.trace.steps.some((x) => x.schemeWhy.includes('trust list is not in the facts'))))
        t.todo("node collector: expose expressForwarded({ trust }) as settings['@proxyproof/forwarded.trust']");
      assert.ok(routes.length > 0, `no route simulated (${where})`);
      for (const r of routes)
        assert.notEqual(r.scheme.status, 'unknown', `${r.url}: ${r.trace.unresolved?.what ?? 'unknown'} (${where})`);
      // Broken or clean, per path.
      if (e.appScheme) {
        const clean = e.cleanPath;
        for (const r of routes) {
          const want = clean && pathOf(r) === clean ? 'https' : e.appScheme;
          assert.equal(r.scheme.believed, want, `${r.url}: ${r.scheme.lostAt?.reason ?? r.scheme.status}`);
        }
        if (clean)
          assert.ok(
            routes.some((r) => pathOf(r) !== clean),
            'the broken path was not simulated',
          );
      }
      if (e.redirectLoop !== undefined)
        assert.equal(
          routes.some((r) => r.redirect?.loop === true),
          e.redirectLoop,
          'redirect loop',
        );
      if (e.portLost !== undefined)
        assert.equal(
          routes.some((r) => r.host.status === 'lost'),
          e.portLost,
          'port lost',
        );
      // The hop.
      const hop = LOSS_HOP[s.id];
      if (e.appScheme === 'http') {
        assert.ok(hop, `no expected hop recorded for ${s.id}`);
        const lost = routes.filter((r) => r.scheme.status === 'lost');
        assert.ok(lost.length > 0);
        for (const r of lost) assert.equal(r.scheme.lostAt?.label.split(' ')[0], hop, r.scheme.lostAt?.reason);
      }
      // Spoofability from the outside host.
      if (e.outsideSpoof) {
        const network = analysis.verdict.backends.filter((b) => b.reach === 'network');
        if (e.outsideSpoof === 'unreachable') assert.equal(network.length, 0, network.map((b) => b.reachableFrom).join());
        else {
          assert.ok(network.length > 0, 'the backend should be reachable from other hosts');
          const accepted = network.some((b) => b.spoof?.what.includes('scheme'));
          assert.equal(
            accepted,
            e.outsideSpoof === 'accepted',
            network.map((b) => `${b.label}: ${b.spoof?.what ?? 'ignored'}`).join(),
          );
        }
      }
    });
  }
});
