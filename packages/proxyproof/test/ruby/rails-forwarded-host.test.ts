/**
 * Rails' host from X-Forwarded-Host, on the real program: Debian's Puma 5.6 and Rails 6.1 (ruby-rails) run the lab's
 * one-page Rails app (lab/apps/rails) on loopback, and a request with a forged `X-Forwarded-Host: evil.example`
 * is answered with that host (the page's request.host_with_port, force_ssl's Location) while config.hosts is empty,
 * and with 403 once config.hosts lists the site. lint's facts and findings for the same files must say the same:
 * app/forwarded-host-trusted and chain/spoofable-backend (host) without config.hosts, neither with it.
 */
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { hostAllowed } from '../../src/chain/host-allow.js';
import { forwardedHostTrusted } from '../../src/checks/app/forwarded-host-trusted.js';
import { spoofableBackend } from '../../src/checks/chain/spoofable-backend.js';
import { REPO_ROOT } from '../helpers.js';
import { lintFiles } from '../python/lint-files.js';
import type { Answer } from '../real-nginx.js';
import { REQUEST_SAFETY_TIMEOUT_MS, startOnFreePorts } from '../real-program.js';

const PUMA = '/usr/bin/puma';
const RAILS_APP = join(REPO_ROOT, 'lab/apps/rails');

function ask(port: number, headers: Record<string, string>): Promise<Answer | undefined> {
  return new Promise((res) => {
    const req = request({ host: '127.0.0.1', port, path: '/', headers, timeout: REQUEST_SAFETY_TIMEOUT_MS }, (r) => {
      let body = '';
      r.on('data', (c) => (body += c));
      r.on('end', () => res({ status: r.statusCode ?? 0, location: r.headers.location, body }));
    });
    req.on('error', () => res(undefined));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

/** The app's files with Puma on 127.0.0.1:port and the given production.rb lines. */
function appFiles(port: number, production: string[]): Record<string, string> {
  const read = (p: string) => readFileSync(join(RAILS_APP, p), 'utf8');
  return {
    'config.ru': read('config.ru'),
    'config/application.rb': read('config/application.rb'),
    'config/puma.rb': read('config/puma.rb').replace('{{APP_ADDR}}', '127.0.0.1').replace('{{APP_PORT}}', String(port)),
    'config/environments/production.rb': ['Rails.application.configure do', ...production.map((l) => `  ${l}`), 'end', ''].join(
      '\n',
    ),
  };
}

/** An nginx TLS site in front that passes the client's X-Forwarded-Host on (sets only X-Forwarded-Proto). */
function nginxSite(port: number): string {
  return [
    'server {',
    '    listen 443 ssl;',
    '    server_name app.test;',
    '    location / {',
    `        proxy_pass http://127.0.0.1:${port};`,
    '        proxy_set_header Host $host;',
    '        proxy_set_header X-Forwarded-Proto $scheme;',
    '    }',
    '}',
    '',
  ].join('\n');
}

/**
 * Puma on the app's files for a free port (`filesOf(port)`), ready once the app itself answers (its JSON names the
 * host; another test's server on a port taken meanwhile does not), then `run(port)`. A lost port is retried.
 */
async function withPuma<T>(
  filesOf: (port: number) => Record<string, string>,
  run: (port: number) => Promise<T>,
  readyHost = 'app.test',
): Promise<{ real: T; port: number; files: Record<string, string> }> {
  const dir = mkdtempSync(join(tmpdir(), 'proxyproof-rails-'));
  cpSync(RAILS_APP, dir, { recursive: true });
  try {
    const puma = await startOnFreePorts({
      name: 'puma',
      ports: 1,
      command: ([port]) => {
        for (const [name, text] of Object.entries(filesOf(port as number))) {
          mkdirSync(dirname(join(dir, name)), { recursive: true });
          writeFileSync(join(dir, name), text);
        }
        return {
          cmd: PUMA,
          args: ['-C', 'config/puma.rb', 'config.ru'],
          cwd: dir,
          env: { PATH: '/usr/bin:/bin', LANG: 'C.UTF-8', RAILS_ENV: 'production', HOME: dir },
        };
      },
      ready: async ([port]) =>
        (await ask(port as number, { Host: readyHost, 'X-Forwarded-Proto': 'https' }))?.body?.includes(`"host":"${readyHost}"`) ??
        false,
      polls: 1200,
    });
    try {
      const port = puma.ports[0] as number;
      return { real: await run(port), port, files: filesOf(port) };
    } finally {
      await puma.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const forged = { Host: 'app.test', 'X-Forwarded-Host': 'evil.example' };

test('Rails 6.1 without config.hosts: a forged X-Forwarded-Host is the host (real Puma + Rails); lint says so', {
  skip: !existsSync(PUMA) && 'Debian puma not installed',
}, async () => {
  const { real, port, files } = await withPuma(
    (p) => appFiles(p, ['config.force_ssl = true']),
    async (port) => ({
      page: await ask(port, { ...forged, 'X-Forwarded-Proto': 'https' }),
      redirect: await ask(port, { ...forged, 'X-Forwarded-Host': 'app.test, evil.example' }),
    }),
  );
  assert.equal(real.page?.status, 200);
  assert.match(real.page?.body ?? '', /"host":"evil\.example"/);
  // force_ssl's redirect of a plain request: the Location takes the last X-Forwarded-Host value.
  assert.equal(real.redirect?.status, 301);
  assert.equal(real.redirect?.location, 'https://evil.example/');

  const { facts, findings } = await lintFiles({ ...files, 'site.conf': nginxSite(port) }, [
    forwardedHostTrusted,
    spoofableBackend,
  ]);
  const allow = facts.frameworks.find((f) => f.kind === 'rails')?.appEnd?.hostAllowList;
  assert.deepEqual(allow?.value, []);
  assert.ok(findings.some((f) => f.id === 'app/forwarded-host-trusted'));
  const spoof = findings.find((f) => f.id === 'chain/spoofable-backend' || (f.data?.merged as unknown[] | undefined)?.length);
  assert.match(spoof?.message ?? '', /host evil\.example/);
});

test('Rails 6.1 with config.hosts << "app.test": a forged X-Forwarded-Host gets 403 (real Puma + Rails); lint agrees', {
  skip: !existsSync(PUMA) && 'Debian puma not installed',
}, async () => {
  const { real, port, files } = await withPuma(
    (p) => appFiles(p, ['config.force_ssl = true', 'config.hosts << "app.test"']),
    async (port) => ({
      forged: await ask(port, { ...forged, 'X-Forwarded-Proto': 'https' }),
      own: await ask(port, { Host: 'app.test', 'X-Forwarded-Host': 'app.test', 'X-Forwarded-Proto': 'https' }),
    }),
  );
  assert.equal(real.forged?.status, 403);
  assert.equal(real.own?.status, 200);

  const { facts, findings } = await lintFiles({ ...files, 'site.conf': nginxSite(port) }, [
    forwardedHostTrusted,
    spoofableBackend,
  ]);
  const allow = facts.frameworks.find((f) => f.kind === 'rails')?.appEnd?.hostAllowList?.value ?? [];
  // application.rb's config.hosts.clear runs first, production.rb's << after it.
  assert.deepEqual(allow, ['app.test']);
  assert.equal(hostAllowed(allow, 'evil.example'), false);
  assert.equal(hostAllowed(allow, 'app.test'), true);
  assert.equal(findings.filter((f) => f.id === 'app/forwarded-host-trusted').length, 0);
  assert.ok(!findings.some((f) => /host evil\.example/.test(f.message)), findings.map((f) => f.message).join('\n'));
});

test('Rails 6.1 with config.hosts in an initializer (%r{} regexp): a forged X-Forwarded-Host gets 403, a matching one 200 (real Puma + Rails); lint agrees', {
  skip: !existsSync(PUMA) && 'Debian puma not installed',
}, async () => {
  const { real, port, files } = await withPuma(
    (p) => ({
      ...appFiles(p, ['config.force_ssl = true']),
      'config/initializers/hosts.rb': 'Rails.application.config.hosts << %r{[a-z0-9-]+\\.app\\.test}\n',
    }),
    async (port) => ({
      forged: await ask(port, { ...forged, 'X-Forwarded-Proto': 'https' }),
      matching: await ask(port, { Host: 'www.app.test', 'X-Forwarded-Host': 'www.app.test', 'X-Forwarded-Proto': 'https' }),
    }),
    // app.test itself does not match the regexp (403): ready once the app names a host it admits.
    'www.app.test',
  );
  assert.equal(real.forged?.status, 403);
  assert.equal(real.matching?.status, 200);

  const { facts, findings } = await lintFiles({ ...files, 'site.conf': nginxSite(port) }, [
    forwardedHostTrusted,
    spoofableBackend,
  ]);
  const allow = facts.frameworks.find((f) => f.kind === 'rails')?.appEnd?.hostAllowList?.value ?? [];
  assert.deepEqual(allow, ['/[a-z0-9-]+\\.app\\.test/']);
  assert.equal(hostAllowed(allow, 'evil.example'), false);
  assert.equal(hostAllowed(allow, 'www.app.test'), true);
  assert.equal(findings.filter((f) => f.id === 'app/forwarded-host-trusted').length, 0);
  assert.ok(!findings.some((f) => /host evil\.example/.test(f.message)), findings.map((f) => f.message).join('\n'));
});
