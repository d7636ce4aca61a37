/**
 * The chain planner's app-end candidates for PHP and Rails (issue 14): Laravel TrustProxies, php-fpm's `HTTPS`
 * FastCGI param, Rails 7.1+ `config.assume_ssl`; and Apache's `RequestHeader set X-Forwarded-Proto "https"` in a TLS
 * vhost where the app has no setting of its own (Rails < 7.1) or its setting would need a second change. Each row is a minimal deployment written here; the plan must be
 * complete where one known change fixes the chain, and must not offer a change that is wrong for the deployment
 * (traps: `HTTPS on` where a plain route also reaches php-fpm, `$https` vs `on`, assume_ssl on Rails < 7.1 or on a
 * public app server port). Also: Traefik's router to a compose service that runs nginx links to that nginx hop.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runDoctor } from '../../src/chain/run.js';
import { scratchTrees } from '../scratch-trees.js';

const write = scratchTrees('pp-plan-php-rails-');

const traefikCompose = (extraEntrypoint = false) => `services:
  traefik:
    image: traefik:v2.10
    command:
      - --providers.docker=true
      - --entrypoints.websecure.address=:443
${extraEntrypoint ? '      - --entrypoints.web.address=:80\n' : ''}    ports:
      - "443:443"
${extraEntrypoint ? '      - "80:80"\n' : ''}  web:
    image: nginx:1.25
    volumes:
      - ./nginx/default.conf:/etc/nginx/conf.d/default.conf
    labels:
      - traefik.enable=true
      - traefik.http.routers.web.rule=Host(\`shop.example.com\`)
      - traefik.http.routers.web.entrypoints=websecure
      - traefik.http.routers.web.tls=true
${extraEntrypoint ? '      - traefik.http.routers.plain.rule=Host(`shop.example.com`)\n      - traefik.http.routers.plain.entrypoints=web\n' : ''}      - traefik.http.services.web.loadbalancer.server.port=80
  php:
    image: php:8.2-fpm
`;

const nginxPhp = (listen = 'listen 80;', include = 'include fastcgi_params;') => `server {
    ${listen}
    server_name shop.example.com;
    root /var/www/html/public;

    location ~ \\.php$ {
        fastcgi_pass php:9000;
        ${include}
        fastcgi_param SCRIPT_FILENAME $document_root$fastcgi_script_name;
    }
}
`;

const trustProxies = (proxies: string) => `<?php

namespace App\\Http\\Middleware;

use Illuminate\\Http\\Middleware\\TrustProxies as Middleware;

class TrustProxies extends Middleware
{
    ${proxies}
}
`;

const railsFiles = (version: string, puma: string, extra: Record<string, string> = {}) => ({
  'apache/site.conf': `<VirtualHost *:443>
    ServerName shop.example.com
    SSLEngine on
    ProxyPreserveHost On
    ProxyPass / http://127.0.0.1:3000/
    ProxyPassReverse / http://127.0.0.1:3000/
</VirtualHost>
`,
  'config/puma.rb': `${puma}\nworkers 2\n`,
  'config/application.rb': `module Shop\n  class Application < Rails::Application\n    config.load_defaults ${version}\n  end\nend\n`,
  'config/environments/production.rb':
    'Rails.application.configure do\n  config.cache_classes = true\n  config.force_ssl = true\nend\n',
  'Gemfile.lock': `GEM\n  remote: https://rubygems.org/\n  specs:\n    rails (${version}.3)\n`,
  ...extra,
});

interface Row {
  name: string;
  files: Record<string, string>;
  /** The plan is complete (one known change set fixes the chain). */
  complete: boolean;
  /** A planned fix with this id prefix, these lines and placement; undefined: no such fix may be planned. */
  fix?: { id: string; lines: string[]; placement?: 'after' | 'replace' };
  /** Fix id prefixes that must not be planned. */
  never?: string[];
  /** Fix id prefixes that must be planned with `fix`. */
  with?: string[];
  lostAt?: string;
}

const rows: Row[] = [
  {
    name: 'Traefik -> nginx -> php-fpm -> Laravel, $proxies unset: trust the container network in TrustProxies',
    files: {
      'docker-compose.yml': traefikCompose(),
      'nginx/default.conf': nginxPhp(),
      'app/Http/Middleware/TrustProxies.php': trustProxies('protected $proxies;'),
    },
    complete: true,
    lostAt: 'Laravel',
    fix: {
      id: 'laravel-trust:',
      lines: ["protected $proxies = ['127.0.0.1', '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'];"],
      placement: 'replace',
    },
  },
  {
    name: 'Traefik -> nginx -> php-fpm, plain PHP: nginx passes HTTPS on (every request came through the TLS front)',
    files: { 'docker-compose.yml': traefikCompose(), 'nginx/default.conf': nginxPhp() },
    complete: true,
    fix: { id: 'fastcgi-https:', lines: ['fastcgi_param HTTPS on;'], placement: 'after' },
  },
  {
    name: 'trap: a plain Traefik entrypoint reaches the same nginx: HTTPS on would be wrong for it',
    files: { 'docker-compose.yml': traefikCompose(true), 'nginx/default.conf': nginxPhp() },
    complete: false,
    never: ['fastcgi-https:'],
  },
  {
    name: 'trap: nginx ends TLS itself and passes no HTTPS param: $https, not on',
    files: {
      'docker-compose.yml':
        'services:\n  web:\n    image: nginx:1.25\n    ports:\n      - "443:443"\n  php:\n    image: php:8.2-fpm\n',
      'nginx/default.conf': nginxPhp('listen 443 ssl;', 'fastcgi_param QUERY_STRING $query_string;'),
    },
    complete: true,
    fix: { id: 'fastcgi-https:', lines: ['fastcgi_param HTTPS $https if_not_empty;'], placement: 'after' },
  },
  {
    name: 'Apache (no X-Forwarded-Proto) -> Puma 127.0.0.1 -> Rails 7.1 force_ssl: config.assume_ssl after force_ssl',
    files: railsFiles('7.1', 'bind "tcp://127.0.0.1:3000"'),
    complete: true,
    fix: { id: 'rails-assume-ssl:', lines: ['config.assume_ssl = true'], placement: 'after' },
  },
  {
    // Rails 6.1 has no assume_ssl: Apache's own header is the fix (mod_proxy never sends X-Forwarded-Proto; the TLS
    // vhost says https with mod_headers), written after the ProxyPass line.
    name: 'trap: Rails 6.1 has no assume_ssl (Apache sends X-Forwarded-Proto instead)',
    files: railsFiles('6.1', 'bind "tcp://127.0.0.1:3000"'),
    complete: true,
    fix: { id: 'apache-xfp:', lines: ['RequestHeader set X-Forwarded-Proto "https"'], placement: 'after' },
    never: ['rails-assume-ssl:'],
  },
  {
    // assume_ssl on a public Puma port would need the loopback bind too (a direct plain request would be https);
    // the one change that needs no second is Apache's header.
    name: 'trap: Puma on every interface: no assume_ssl without the loopback bind; Apache sends X-Forwarded-Proto',
    files: railsFiles('7.1', 'bind "tcp://0.0.0.0:3000"'),
    complete: true,
    fix: { id: 'apache-xfp:', lines: ['RequestHeader set X-Forwarded-Proto "https"'], placement: 'after' },
    never: ['rails-assume-ssl:'],
  },
  {
    name: 'Apache whose vhost sends X-Forwarded-Proto "http" -> Puma -> Rails 6.1: that line is replaced',
    files: {
      ...railsFiles('6.1', 'bind "tcp://127.0.0.1:3000"'),
      'apache/site.conf': `<VirtualHost *:443>
    ServerName shop.example.com
    SSLEngine on
    ProxyPreserveHost On
    RequestHeader set X-Forwarded-Proto "http"
    ProxyPass / http://127.0.0.1:3000/
</VirtualHost>
`,
    },
    complete: true,
    fix: { id: 'apache-xfp:', lines: ['RequestHeader set X-Forwarded-Proto "https"'], placement: 'replace' },
  },
  {
    // force_ssl behind a plain-HTTP vhost: the request IS http, so claiming https from Apache would be a lie (and
    // the redirect has nowhere to go): no header is planned and the plan says it is incomplete.
    name: 'trap: a plain Apache vhost (no TLS) -> Puma -> Rails force_ssl: http is the truth, no https header planned',
    files: {
      ...railsFiles('6.1', 'bind "tcp://127.0.0.1:3000"'),
      'apache/site.conf':
        '<VirtualHost *:80>\n    ServerName shop.example.com\n    ProxyPass / http://127.0.0.1:3000/\n</VirtualHost>\n',
    },
    complete: false,
    never: ['apache-xfp:'],
  },
  ...gunicornRows(),
];

/**
 * gunicorn keeping its default trust (127.0.0.1) behind nginx in another container: the planner's `trust:` flag is
 * written into the line that launches gunicorn (r14i14a), after the program's name; in a Dockerfile's JSON CMD
 * the `*` goes unquoted (nothing unquotes an exec-form element).
 */
function gunicornRows(): Row[] {
  const nginx = `server {
    listen 443 ssl;
    server_name shop.example.com;
    location / {
        proxy_set_header Host $host;
        proxy_set_header X-Forwarded-Proto $scheme;
        proxy_pass http://web:8000;
    }
}
`;
  const compose = (command = '') => `services:
  nginx:
    image: nginx:1.27
    ports:
      - "443:443"
    volumes:
      - ./nginx.conf:/etc/nginx/conf.d/default.conf
  web:
    build: .
${command}    expose:
      - "8000"
`;
  // Flask takes the scheme from gunicorn's wsgi.url_scheme, which gunicorn sets from X-Forwarded-Proto only for
  // the peers forwarded_allow_ips names (Django's SECURE_PROXY_SSL_HEADER would read the header itself).
  const flask = {
    'app.py':
      'from flask import Flask, url_for\n\napp = Flask(__name__)\n\n\n@app.route("/")\ndef index():\n    return url_for("index", _external=True)\n',
  };
  return [
    {
      name: 'nginx container -> gunicorn (Dockerfile JSON CMD, default trust) -> Flask: the flag goes into the CMD',
      files: {
        'docker-compose.yml': compose(),
        'nginx.conf': nginx,
        Dockerfile: 'FROM python:3.12\nCMD ["gunicorn", "--bind", "0.0.0.0:8000", "app:app"]\n',
        ...flask,
      },
      complete: true,
      fix: {
        id: 'trust:',
        lines: ['CMD ["gunicorn", "--forwarded-allow-ips=*", "--bind", "0.0.0.0:8000", "app:app"]'],
        placement: 'replace',
      },
    },
    {
      name: 'nginx container -> gunicorn (compose command string) -> Flask: the flag goes into the command',
      files: {
        'docker-compose.yml': compose('    command: gunicorn --bind 0.0.0.0:8000 app:app\n'),
        'nginx.conf': nginx,
        Dockerfile: 'FROM python:3.12\n',
        ...flask,
      },
      complete: true,
      fix: {
        id: 'trust:',
        lines: ["command: gunicorn --forwarded-allow-ips='*' --bind 0.0.0.0:8000 app:app"],
        placement: 'replace',
      },
    },
    {
      name: 'trap: a compose command as a YAML list: the flag stays advice (no one-line edit)',
      files: {
        'docker-compose.yml': compose('    command:\n      - gunicorn\n      - --bind\n      - 0.0.0.0:8000\n      - app:app\n'),
        'nginx.conf': nginx,
        Dockerfile: 'FROM python:3.12\n',
        ...flask,
      },
      complete: true,
      fix: { id: 'trust:', lines: ["--forwarded-allow-ips='*'"], placement: undefined },
    },
  ];
}

for (const row of rows) {
  test(row.name, async () => {
    const dir = write(row.name.replace(/[^a-z0-9]+/gi, '-').slice(0, 60), row.files);
    const { analysis } = await runDoctor([dir]);
    const ids = analysis.plan.fixes.map((f) => `${f.id} ${JSON.stringify(f.lines)} ${f.placement ?? ''}`).join('\n');
    if (row.lostAt) assert.equal(analysis.verdict.routes[0]?.scheme.lostAt?.label, row.lostAt);
    assert.equal(analysis.plan.complete, row.complete, `${analysis.plan.notes.join('\n')}\n${ids}`);
    if (row.fix) {
      const want = row.fix;
      const f = analysis.plan.fixes.find((x) => x.id.startsWith(want.id));
      assert.ok(f, ids);
      assert.deepEqual(
        f.lines.map((l) => l.trim()),
        want.lines,
      );
      assert.equal(f.placement, want.placement, ids);
    }
    for (const w of row.with ?? [])
      assert.ok(
        analysis.plan.fixes.some((f) => f.id.startsWith(w)),
        ids,
      );
    for (const n of row.never ?? []) assert.ok(!analysis.plan.fixes.some((f) => f.id.startsWith(n)), ids);
  });
}
