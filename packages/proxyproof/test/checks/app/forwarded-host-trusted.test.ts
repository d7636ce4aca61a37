import { test } from 'node:test';
import { forwardedHostTrusted as check } from '../../../src/checks/app/forwarded-host-trusted.js';
import { type Case, runCase } from '../../python/lint-files.js';
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
    name: 'valid: every nginx route writes X-Forwarded-Host itself and only nginx reaches Puma (unix socket)',
    files: behindNginx([], [xfp, 'proxy_set_header X-Forwarded-Host $host;']),
    expect: { count: 0 },
  },
];

for (const c of cases) test(`app/forwarded-host-trusted: ${c.name}`, () => runCase(check, c).then(() => undefined));
