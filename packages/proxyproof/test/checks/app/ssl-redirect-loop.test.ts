import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sslRedirectLoop as check } from '../../../src/checks/app/ssl-redirect-loop.js';
import { type Case, doctorFiles, runCase } from '../../python/lint-files.js';
import {
  aspnetProgram as aspnetHost,
  nginxPhoenix,
  nginxPuma,
  PUMA_PORT,
  PUMA_SOCKET,
  phoenixApp,
  RAILS_APP,
  railsProduction,
} from './fixtures.js';

// The ASP.NET Core minimal host: the builder on line 1, UseHttpsRedirection after the extra lines.
const aspnetProgram = (extra: string[]) => aspnetHost(extra, ['app.UseHttpsRedirection();']);
const NGINX_KESTREL = [
  'server {',
  '  listen 443 ssl;',
  '  server_name app.example.com;',
  '  location / {',
  '    proxy_pass http://127.0.0.1:5000;',
  '    proxy_set_header Host $host;',
  '    proxy_set_header X-Forwarded-Proto $scheme;',
  '  }',
  '}',
  '',
].join('\n');

const rails = (prod: string[], puma = PUMA_SOCKET) => ({
  'config/application.rb': RAILS_APP,
  'config/environments/production.rb': railsProduction(prod),
  'config/puma.rb': puma,
});

/** A Gemfile.lock pinning rails (and rack 2.2) at `version`. */
const lock = (version: string) =>
  `GEM\n  remote: https://rubygems.org/\n  specs:\n    rack (2.2.8)\n    rails (${version})\n\nPLATFORMS\n  ruby\n\nDEPENDENCIES\n  rails (~> ${version})\n`;

const cases: Case[] = [
  {
    name: 'invalid: force_ssl behind nginx that sends no X-Forwarded-Proto (Puma socket)',
    files: { ...rails(['config.force_ssl = true']), 'site.conf': nginxPuma(['proxy_set_header Host $host;']) },
    expect: { count: 1, severity: 'high', file: 'config/environments/production.rb', line: 3, message: /ERR_TOO_MANY_REDIRECTS/ },
  },
  {
    name: 'invalid: force_ssl gated on an env var is still a loop when on',
    files: {
      ...rails(["config.force_ssl = ENV['FORCE_SSL'].present?"]),
      'site.conf': nginxPuma(['proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;']),
    },
    expect: { count: 1, message: /FORCE_SSL/ },
  },
  {
    name: 'invalid: TCP Puma on port 3000 behind a TLS nginx without the header',
    files: {
      ...rails(['config.force_ssl = true'], PUMA_PORT),
      'site.conf': nginxPuma(['proxy_set_header Host $host;']).replace('unix:///var/www/blog/tmp/puma.sock', '127.0.0.1:3000'),
    },
    expect: { count: 1, severity: 'high' },
  },
  {
    name: 'valid: the proxy sends X-Forwarded-Proto',
    files: { ...rails(['config.force_ssl = true']), 'site.conf': nginxPuma(['proxy_set_header X-Forwarded-Proto $scheme;']) },
    expect: { count: 0 },
  },
  {
    name: 'valid: X-Forwarded-Ssl is one of the headers Rack reads',
    files: { ...rails(['config.force_ssl = true']), 'site.conf': nginxPuma(['proxy_set_header X-Forwarded-Ssl on;']) },
    expect: { count: 0 },
  },
  {
    name: 'valid (trap): assume_ssl marks every request https before force_ssl runs (Rails 7.1+)',
    files: {
      ...rails(['config.assume_ssl = true', 'config.force_ssl = true']),
      'site.conf': nginxPuma(['proxy_set_header Host $host;']),
    },
    expect: { count: 0 },
  },
  // assume_ssl needs Rails 7.1 (ActionDispatch::AssumeSSL); on 6.1 railties stores the option and nothing reads it
  // (Debian railties 6.1.7.10 Configuration#method_missing): the version comes from Gemfile.lock (audit 14 r18 gap 4).
  {
    name: 'invalid: assume_ssl + force_ssl on Rails 6.1 (Gemfile.lock): assume_ssl does nothing, the redirect loops',
    files: {
      ...rails(['config.assume_ssl = true', 'config.force_ssl = true']),
      'Gemfile.lock': lock('6.1.7'),
      'site.conf': nginxPuma(['proxy_set_header Host $host;']),
    },
    expect: { count: 1, severity: 'high', file: 'config/environments/production.rb', line: 4 },
  },
  {
    name: 'valid: assume_ssl + force_ssl on Rails 7.1.3 (Gemfile.lock)',
    files: {
      ...rails(['config.assume_ssl = true', 'config.force_ssl = true']),
      'Gemfile.lock': lock('7.1.3'),
      'site.conf': nginxPuma(['proxy_set_header Host $host;']),
    },
    expect: { count: 0 },
  },
  {
    name: 'valid (trap): force_ssl commented out',
    files: { ...rails(['# config.force_ssl = true']), 'site.conf': nginxPuma(['proxy_set_header Host $host;']) },
    expect: { count: 0 },
  },
  {
    name: 'valid (trap): force_ssl only in development.rb',
    files: {
      'config/application.rb': RAILS_APP,
      'config/environments/development.rb': railsProduction(['config.force_ssl = true']),
      'config/puma.rb': PUMA_SOCKET,
      'site.conf': nginxPuma(['proxy_set_header Host $host;']),
    },
    expect: { count: 0 },
  },
  {
    name: 'valid: no proxy in the files (nothing to judge)',
    files: rails(['config.force_ssl = true']),
    expect: { count: 0 },
  },
  {
    name: 'invalid: Phoenix force_ssl without rewrite_on behind a TLS nginx (fix: rewrite_on in the same list)',
    files: {
      ...phoenixApp(['force_ssl: [hsts: true]']),
      'site.conf': nginxPhoenix(['proxy_set_header Host $host;', 'proxy_set_header X-Forwarded-Proto $scheme;']),
    },
    expect: {
      count: 1,
      severity: 'high',
      file: 'config/prod.exs',
      line: 4,
      message: /reads no forwarded scheme header/,
      fixLine: '  force_ssl: [rewrite_on: [:x_forwarded_proto], hsts: true]',
    },
  },
  {
    name: 'invalid: Phoenix plug Plug.SSL in the endpoint without rewrite_on',
    files: {
      ...phoenixApp([]),
      'lib/shop_web/endpoint.ex': phoenixApp([], ['plug Plug.SSL'])['lib/shop_web/endpoint.ex'] as string,
      'site.conf': nginxPhoenix(['proxy_set_header Host $host;']),
    },
    expect: { count: 1, file: 'lib/shop_web/endpoint.ex', line: 4 },
  },
  {
    name: 'invalid: Phoenix rewrite_on x_forwarded_proto, but nginx sends no X-Forwarded-Proto',
    files: {
      ...phoenixApp(['force_ssl: [rewrite_on: [:x_forwarded_proto]]']),
      'site.conf': nginxPhoenix(['proxy_set_header Host $host;']),
    },
    expect: { count: 1, message: /without any of X-Forwarded-Proto/ },
  },
  {
    name: 'valid: Phoenix rewrite_on x_forwarded_proto and nginx sends it',
    files: {
      ...phoenixApp(['force_ssl: [rewrite_on: [:x_forwarded_proto]]']),
      'site.conf': nginxPhoenix(['proxy_set_header Host $host;', 'proxy_set_header X-Forwarded-Proto $scheme;']),
    },
    expect: { count: 0 },
  },
  {
    name: 'valid: Phoenix plug Plug.RewriteOn before force_ssl and nginx sends X-Forwarded-Proto',
    files: {
      ...phoenixApp(['force_ssl: [hsts: true]'], ['plug Plug.RewriteOn, [:x_forwarded_proto]']),
      'site.conf': nginxPhoenix(['proxy_set_header Host $host;', 'proxy_set_header X-Forwarded-Proto $scheme;']),
    },
    expect: { count: 0 },
  },
  {
    name: "valid (trap): nginx's default Host is 127.0.0.1, which Plug.SSL never redirects (exclude default)",
    files: {
      ...phoenixApp(['force_ssl: [hsts: true]']),
      'site.conf': nginxPhoenix(['proxy_set_header X-Real-IP $remote_addr;']),
    },
    expect: { count: 0 },
  },
  {
    name: 'valid (trap): force_ssl only in a comment (the generated prod.exs)',
    files: {
      ...phoenixApp(['# force_ssl: [hsts: true]', 'cache_static_manifest: "priv/static/cache_manifest.json"']),
      'site.conf': nginxPhoenix(['proxy_set_header Host $host;']),
    },
    expect: { count: 0 },
  },
  {
    name: 'valid (trap): force_ssl: false',
    files: { ...phoenixApp(['force_ssl: false']), 'site.conf': nginxPhoenix(['proxy_set_header Host $host;']) },
    expect: { count: 0 },
  },
  {
    name: 'invalid: ASP.NET Core UseHttpsRedirection with an https port, no UseForwardedHeaders, behind nginx TLS (Kestrel default localhost:5000)',
    files: {
      'Program.cs': aspnetProgram(['builder.Services.AddHttpsRedirection(o => o.HttpsPort = 443);']),
      'site.conf': NGINX_KESTREL,
    },
    expect: { count: 1, message: /no UseForwardedHeaders/, file: 'Program.cs', line: 4, mechanical: false },
  },
  {
    name: 'valid (trap): UseHttpsRedirection without any https port does not redirect ("Failed to determine the https port")',
    files: { 'Program.cs': aspnetProgram([]), 'site.conf': NGINX_KESTREL },
    expect: { count: 0 },
  },
  {
    name: 'valid: an https port and UseForwardedHeaders before the redirect, proxy on loopback (trusted by default)',
    files: {
      'Program.cs': aspnetProgram([
        'builder.Services.AddHttpsRedirection(o => o.HttpsPort = 443);',
        'app.UseForwardedHeaders(new ForwardedHeadersOptions { ForwardedHeaders = ForwardedHeaders.XForwardedProto });',
      ]),
      'site.conf': NGINX_KESTREL,
    },
    expect: { count: 0 },
  },
];

for (const c of cases) test(`app/ssl-redirect-loop: ${c.name}`, () => runCase(check, c).then(() => undefined));

test('app/ssl-redirect-loop: on Rails 6.1 the fix names the ignored assume_ssl line instead of advising it', async () => {
  const [f] = await runCase(check, {
    name: 'invalid: assume_ssl on 6.1',
    files: {
      ...rails(['config.assume_ssl = true', 'config.force_ssl = true']),
      'Gemfile.lock': lock('6.1.7'),
      'site.conf': nginxPuma(['proxy_set_header Host $host;']),
    },
    expect: { count: 1 },
  });
  assert.match(
    f?.fix?.description ?? '',
    /config\.assume_ssl \(config\/environments\/production\.rb:3\) does nothing here: it needs Rails 7\.1\+ and Gemfile\.lock has 6\.1/,
  );
});

test('app/ssl-redirect-loop: no Gemfile.lock: assume_ssl is taken to work (7.1+), and the doctor says it was assumed', async () => {
  const { analysis } = await doctorFiles({
    ...rails(['config.assume_ssl = true', 'config.force_ssl = true']),
    'site.conf': nginxPuma(['proxy_set_header Host $host;']),
  });
  const route = analysis.verdict.routes[0];
  assert.equal(route?.scheme.status, 'correct', JSON.stringify(route?.scheme));
  const step = route?.trace.steps.find((s) => s.label === 'Rails');
  assert.match(step?.schemeWhy ?? '', /Rails version unknown \(no Gemfile\.lock\): assume_ssl taken to work \(7\.1\+\)/);
});
