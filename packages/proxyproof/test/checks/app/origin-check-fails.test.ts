import { test } from 'node:test';
import { originCheckFails as check } from '../../../src/checks/app/origin-check-fails.js';
import { type Case, runCase } from '../../python/lint-files.js';
import { nginxPuma, PUMA_SOCKET, RAILS_APP, railsProduction } from './fixtures.js';

const base = {
  'config/puma.rb': PUMA_SOCKET,
  'config/environments/production.rb': railsProduction(['config.log_level = :info']),
};

const cases: Case[] = [
  {
    name: 'invalid: load_defaults 7.0 turns the origin check on; nginx sends no scheme',
    files: { ...base, 'config/application.rb': RAILS_APP, 'site.conf': nginxPuma(['proxy_set_header Host $host;']) },
    expect: { count: 1, severity: 'medium', file: 'config/application.rb', line: 6, message: /InvalidAuthenticityToken/ },
  },
  {
    name: 'invalid: explicit forgery_protection_origin_check = true',
    files: {
      ...base,
      'config/application.rb': RAILS_APP.replace(
        'config.load_defaults 7.0',
        'config.action_controller.forgery_protection_origin_check = true',
      ),
      'site.conf': nginxPuma(['proxy_set_header Host $host;']),
    },
    expect: { count: 1, line: 6 },
  },
  {
    name: 'valid (trap): load_defaults 4.2 has no origin check',
    files: {
      ...base,
      'config/application.rb': RAILS_APP.replace('7.0', '4.2'),
      'site.conf': nginxPuma(['proxy_set_header Host $host;']),
    },
    expect: { count: 0 },
  },
  {
    name: 'valid: the proxy forwards the scheme',
    files: { ...base, 'config/application.rb': RAILS_APP, 'site.conf': nginxPuma(['proxy_set_header X-Forwarded-Proto https;']) },
    expect: { count: 0 },
  },
  {
    name: 'valid (trap): origin check turned off explicitly',
    files: {
      ...base,
      'config/application.rb': RAILS_APP.replace(
        'config.load_defaults 7.0',
        'config.load_defaults 7.0\n    config.action_controller.forgery_protection_origin_check = false',
      ),
      'site.conf': nginxPuma(['proxy_set_header Host $host;']),
    },
    expect: { count: 0 },
  },
];

for (const c of cases) test(`app/origin-check-fails: ${c.name}`, () => runCase(check, c).then(() => undefined));
