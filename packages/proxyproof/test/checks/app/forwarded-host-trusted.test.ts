import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hostAllowed } from '../../../src/chain/host-allow.js';
import { forwardedHostTrusted as check } from '../../../src/checks/app/forwarded-host-trusted.js';
import { type Case, lintFiles, runCase } from '../../python/lint-files.js';
import { nginxPuma, PUMA_PORT, PUMA_SOCKET, RAILS_APP, railsProduction } from './fixtures.js';

const xfp = 'proxy_set_header X-Forwarded-Proto $scheme;';
const behindNginx = (production: string[], headers: string[]) => ({
  'config/application.rb': RAILS_APP,
  'config/puma.rb': PUMA_SOCKET,
  'config/environments/production.rb': railsProduction(production),
  'site.conf': nginxPuma(headers),
});

const cases: Case[] = [
  {
    name: "invalid: no config.hosts, nginx passes the client's X-Forwarded-Host on",
    files: behindNginx(['config.force_ssl = true'], [xfp]),
    expect: {
      count: 1,
      severity: 'medium',
      file: 'config/environments/production.rb',
      line: 1,
      message: /last X-Forwarded-Host value sent by any peer.*passes the client's X-Forwarded-Host on/,
      fixLine: '  config.hosts << "blog.example.com"',
      fixAt: { line: 3, placement: 'after' },
    },
  },
  {
    name: 'invalid: config.hosts.clear empties the list (the line is the evidence)',
    files: behindNginx(['config.hosts.clear'], [xfp]),
    expect: { count: 1, severity: 'medium', line: 3 },
  },
  {
    name: 'invalid: nginx passes the header through explicitly ($http_x_forwarded_host)',
    files: behindNginx([], [xfp, 'proxy_set_header X-Forwarded-Host $http_x_forwarded_host;']),
    expect: { count: 1, severity: 'medium' },
  },
  {
    name: "invalid: Puma on every interface outside a container: reachable without the proxy; the fix is advice (the chain's bind fix leads)",
    files: {
      'config/application.rb': RAILS_APP,
      'config/puma.rb': PUMA_PORT,
      'config/environments/production.rb': railsProduction([]),
      'site.conf': nginxPuma([xfp, 'proxy_set_header X-Forwarded-Host $host;']).replace(
        'server unix:///var/www/blog/tmp/puma.sock;',
        'server 127.0.0.1:3000;',
      ),
    },
    expect: {
      count: 1,
      severity: 'medium',
      message: /listens on 0\.0\.0\.0:3000, reachable without the proxy/,
      mechanical: false,
    },
  },
  {
    name: 'low: no proxy in the files says what happens to the header',
    files: { 'config/application.rb': RAILS_APP, 'config/environments/production.rb': railsProduction([]) },
    expect: { count: 1, severity: 'low', message: /make sure every proxy in front overwrites or removes X-Forwarded-Host/ },
  },
  {
    name: 'valid: config.hosts lists the site',
    files: behindNginx(['config.hosts << "blog.example.com"'], [xfp]),
    expect: { count: 0 },
  },
  {
    name: 'valid: config.hosts assigned a list over several lines',
    files: behindNginx(['config.hosts = [', '  "blog.example.com",', '  /.*\\.example\\.com/', ']'], [xfp]),
    expect: { count: 0 },
  },
  {
    name: 'valid (trap): config.hosts in application.rb applies to production too',
    files: {
      ...behindNginx([], [xfp]),
      'config/application.rb': RAILS_APP.replace(
        'config.load_defaults 7.0',
        'config.load_defaults 7.0\n    config.hosts << ENV.fetch("APP_HOST")',
      ),
    },
    expect: { count: 0 },
  },
  {
    name: 'invalid (trap): config.hosts set only in development.rb does not protect production',
    files: {
      ...behindNginx([], [xfp]),
      'config/environments/development.rb': railsProduction(['config.hosts << "blog.example.com"']),
    },
    expect: { count: 1, severity: 'medium' },
  },
  {
    name: "invalid: no host name in the files: the fix is nginx's own X-Forwarded-Host, and that route is cited first",
    files: {
      ...behindNginx([], [xfp]),
      'site.conf': nginxPuma([xfp]).replace('server_name blog.example.com;', 'server_name _;'),
    },
    expect: {
      count: 1,
      severity: 'medium',
      file: 'site.conf',
      line: 7,
      fixLine: '        proxy_set_header X-Forwarded-Host $host;',
      fixAt: { line: 8, placement: 'after' },
    },
  },
  {
    name: 'valid: config.hosts in an initializer (Rails.application.config.hosts, run after the environment file)',
    files: {
      ...behindNginx([], [xfp]),
      'config/initializers/hosts.rb': 'Rails.application.config.hosts << "blog.example.com"\n',
    },
    expect: { count: 0 },
  },
  {
    name: 'valid: an initializer with Rails.application.configure and a %r{} regexp',
    files: {
      ...behindNginx([], [xfp]),
      'config/initializers/security.rb':
        'Rails.application.configure do\n  config.hosts << %r{\\A[a-z0-9-]+\\.example\\.com\\z}\nend\n',
    },
    expect: { count: 0 },
  },
  {
    name: 'invalid (trap): an initializer that adds the host only under if Rails.env.development? does not protect production',
    files: {
      ...behindNginx([], [xfp]),
      'config/initializers/hosts.rb': 'if Rails.env.development?\n  Rails.application.config.hosts << "blog.test"\nend\n',
    },
    expect: { count: 1, severity: 'medium' },
  },
  {
    name: 'invalid (trap): a modifier unless Rails.env.production? does not run in production',
    files: {
      ...behindNginx([], [xfp]),
      'config/initializers/hosts.rb': 'Rails.application.config.hosts << "blog.test" unless Rails.env.production?\n',
    },
    expect: { count: 1, severity: 'medium' },
  },
  {
    name: 'valid: the else branch of if Rails.env.development? is production',
    files: {
      ...behindNginx([], [xfp]),
      'config/initializers/hosts.rb':
        'if Rails.env.development?\n  Rails.application.config.hosts.clear\nelse\n  Rails.application.config.hosts << "blog.example.com"\nend\n',
    },
    expect: { count: 0 },
  },
  {
    name: 'valid: every nginx route writes X-Forwarded-Host itself and only nginx reaches Puma (unix socket)',
    files: behindNginx([], [xfp, 'proxy_set_header X-Forwarded-Host $host;']),
    expect: { count: 0 },
  },
];

for (const c of cases) test(`app/forwarded-host-trusted: ${c.name}`, () => runCase(check, c).then(() => undefined));

test('app/forwarded-host-trusted facts: %r{} entries are regexps as HostAuthorization matches them; host_authorization exclude is noted', async () => {
  const { facts } = await lintFiles({
    ...behindNginx(
      [
        'config.hosts << %r{[a-z0-9-]+\\.example\\.com}i',
        'config.host_authorization = { exclude: ->(request) { request.path == "/up" } }',
      ],
      [xfp],
    ),
  });
  const allow = facts.frameworks.find((f) => f.kind === 'rails')?.appEnd?.hostAllowList;
  assert.deepEqual(allow?.value, ['/[a-z0-9-]+\\.example\\.com/i']);
  assert.equal(hostAllowed(allow?.value ?? [], 'Blog.Example.com'), true);
  assert.equal(hostAllowed(allow?.value ?? [], 'evil.example'), false);
  const chained = await lintFiles({
    ...behindNginx([], [xfp]),
    'config/initializers/hosts.rb': 'Rails.application.config.hosts << "blog.example.com" << "www.blog.example.com"\n',
  });
  assert.deepEqual(chained.facts.frameworks.find((f) => f.kind === 'rails')?.appEnd?.hostAllowList?.value, [
    'blog.example.com',
    'www.blog.example.com',
  ]);
  assert.match(allow?.note ?? '', /host_authorization's exclude \(config\/environments\/production\.rb:4\)/);
});

test('app/forwarded-host-trusted: trap: SvelteKit HOST_HEADER (no host allow-list to advise; app/trust-all names the forged host)', async () => {
  await runCase(check, {
    name: 'valid: adapter-node HOST_HEADER=x-forwarded-host',
    files: {
      'svelte.config.js': "import adapter from '@sveltejs/adapter-node';\nexport default { kit: { adapter: adapter() } };\n",
      'package.json': '{ "name": "site" }\n',
      Dockerfile:
        'FROM node:20-alpine\nENV HOST=0.0.0.0 PORT=3001 PROTOCOL_HEADER=x-forwarded-proto HOST_HEADER=x-forwarded-host\nCMD ["node", "build"]\n',
    },
    expect: { count: 0 },
  });
});
