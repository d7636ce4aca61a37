import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Case, deployment, findingsFor, gunicornUnit, settings, site } from './cases.js';

const ID = 'chain/spoofable-backend';
const CASES: Case[] = [
  {
    name: "invalid: gunicorn 0.0.0.0 with forwarded_allow_ips='*'",
    files: deployment(site(), gunicornUnit({ bind: '0.0.0.0:8000', extra: "--forwarded-allow-ips='*'" })),
    expect: 1,
    match: /scheme spoofable from any host that can reach this machine's port 8000/,
  },
  {
    name: 'invalid: SECURE_PROXY_SSL_HEADER with a public bind (Django checks no address)',
    files: deployment(
      site(),
      gunicornUnit({ bind: '0.0.0.0:8000' }),
      settings(["SECURE_PROXY_SSL_HEADER = ('HTTP_X_FORWARDED_PROTO', 'https')"]),
    ),
    expect: 1,
    match: /scheme/,
  },
  {
    name: 'invalid: plain-HTTP listener passing a client X-Forwarded-Proto through',
    files: deployment(site({ listen: '80', headers: ['proxy_set_header Host $host;'] })),
    expect: 1,
    match: /through the proxy/,
  },
  {
    name: "trap: a plain-HTTP listener that writes a literal https (the proxy's value, not the client's: proxy/scheme-https-on-plain-listener)",
    files: deployment(
      site({ listen: '80', headers: ['proxy_set_header Host $host;', 'proxy_set_header X-Forwarded-Proto https;'] }),
    ),
    expect: 0,
  },
  {
    name: 'trap: Traefik customRequestHeaders X-Forwarded-Proto https on plain entrypoints (audit-13 tree tr3)',
    files: {
      'app.py': 'from flask import Flask\napp = Flask(__name__)\n',
      'gunicorn.conf.py': 'bind = "127.0.0.1:8000"\nwsgi_app = "app:app"\n',
      'traefik.yml':
        'entryPoints:\n  web:\n    address: ":80"\n  websecure:\n    address: ":443"\nproviders:\n  file:\n    filename: /etc/traefik/dynamic.yml\n',
      'dynamic.yml':
        'http:\n  routers:\n    app:\n      rule: Host(`example.com`)\n      entryPoints: [web, websecure]\n      service: app\n      middlewares: [scheme]\n  middlewares:\n    scheme:\n      headers:\n        customRequestHeaders:\n          X-Forwarded-Proto: https\n  services:\n    app:\n      loadBalancer:\n        servers:\n          - url: http://127.0.0.1:8000\n',
    },
    expect: 0,
  },
  {
    name: 'invalid: a plain-HTTP Caddy site that writes https only when the client sent it (header_up copies {header.X-Forwarded-Proto})',
    files: {
      'app.py': 'from flask import Flask\napp = Flask(__name__)\n',
      'gunicorn.conf.py': 'bind = "127.0.0.1:8000"\nwsgi_app = "app:app"\n',
      Caddyfile:
        'http://example.com {\n\treverse_proxy 127.0.0.1:8000 {\n\t\theader_up X-Forwarded-Proto {header.X-Forwarded-Proto}\n\t}\n}\n',
    },
    expect: 1,
    match: /scheme spoofable from anyone, through caddy/,
  },
  {
    name: "invalid: USE_X_FORWARDED_HOST while nginx passes the client's X-Forwarded-Host",
    files: deployment(site(), gunicornUnit(), settings(['USE_X_FORWARDED_HOST = True'])),
    expect: 1,
    match: /host evil\.example/,
  },
  {
    name: 'valid: 0.0.0.0 but default trust (127.0.0.1): public, not spoofable',
    files: deployment(site(), gunicornUnit({ bind: '0.0.0.0:8000' })),
    expect: 0,
  },
  {
    name: "valid: forwarded_allow_ips='*' on loopback only",
    files: deployment(site(), gunicornUnit({ extra: "--forwarded-allow-ips='*'" })),
    expect: 0,
  },
  {
    name: 'trap: USE_X_FORWARDED_HOST with nginx overwriting X-Forwarded-Host',
    files: deployment(
      site({
        headers: [
          'proxy_set_header Host $host;',
          'proxy_set_header X-Forwarded-Proto $scheme;',
          'proxy_set_header X-Forwarded-Host $host;',
        ],
      }),
      gunicornUnit(),
      settings(['USE_X_FORWARDED_HOST = True']),
    ),
    expect: 0,
  },
  {
    name: 'trap: unix socket is never reachable from the network',
    files: deployment(
      site({ pass: 'http://unix:/run/app.sock' }),
      gunicornUnit({ bind: 'unix:/run/app.sock', extra: "--forwarded-allow-ips='*'" }),
    ),
    expect: 0,
  },
  {
    name: 'invalid: Puma on every interface, Rails without assume_ssl (Rack takes X-Forwarded-Proto from anyone)',
    files: railsOnPort(['config.force_ssl = true']),
    expect: 1,
    // Rails takes the host from any peer's X-Forwarded-Host too (config.hosts empty: every host accepted).
    match: /^scheme, host spoofable/,
  },
  {
    name: 'trap: Rails assume_ssl and config.hosts: every request is already https, a forged X-Forwarded-Proto changes nothing, the forged host gets 403',
    files: railsOnPort(['config.assume_ssl = true', 'config.force_ssl = true', 'config.hosts << "blog.example.com"']),
    expect: 0,
  },
  {
    name: 'invalid: Rails assume_ssl without config.hosts: the scheme is safe, the forged X-Forwarded-Host is believed',
    files: railsOnPort(['config.assume_ssl = true', 'config.force_ssl = true']),
    expect: 1,
    match: /^host spoofable .*makes Rails believe host evil\.example/,
  },
  {
    name: 'invalid: Express trusting loopback behind nginx that passes X-Forwarded-Host; a route file builds a link from req.hostname',
    files: expressBehindNginx('module.exports = (req, res) => res.send(`${req.protocol}://${req.hostname}/reset`);\n'),
    expect: 1,
    match: /^host spoofable from anyone, through nginx .*host evil\.example/,
  },
  {
    name: 'valid (low): the same, but no file reads the host through the trust: the forged host changes nothing the app builds',
    files: expressBehindNginx("module.exports = (req, res) => res.redirect('/login');\n"),
    expect: 1,
    match: /No code in the 2 source files of the app read here takes the host from the request/,
  },
  {
    name: "trap: a raw Host header read (req.get('host')) is not the forged X-Forwarded-Host",
    files: expressBehindNginx("module.exports = (req, res) => res.send('//' + req.get('host') + '/x');\n"),
    expect: 1,
    match: /No code in the 2 source files/,
  },
];

/**
 * nginx (TLS, Host, X-Forwarded-Proto and X-Forwarded-For set, the client's X-Forwarded-Host passed on) in front of an Express app on
 * 127.0.0.1:3000 that trusts loopback, so req.hostname is the client's X-Forwarded-Host; `route` is a second source
 * file that never names the framework.
 */
function expressBehindNginx(route: string): Record<string, string> {
  return {
    'nginx/sites-enabled/app': site({
      pass: 'http://127.0.0.1:3000',
      headers: [
        'proxy_set_header Host $host;',
        'proxy_set_header X-Forwarded-Proto $scheme;',
        'proxy_set_header X-Forwarded-For $remote_addr;',
      ],
    }),
    'app/package.json': '{ "name": "app", "dependencies": { "express": "^4.18.2" } }\n',
    'app/server.js': [
      "const express = require('express');",
      'const app = express();',
      "app.set('trust proxy', 'loopback');",
      "app.get('/reset', require('./routes/reset'));",
      "app.listen(3000, '127.0.0.1');",
      '',
    ].join('\n'),
    'app/routes/reset.js': route,
  };
}

/** Rails run by Puma on its default every-interface port 3000 (a systemd unit), with these production lines. */
function railsOnPort(lines: string[]): Record<string, string> {
  return {
    'config/environments/production.rb': ['Rails.application.configure do', ...lines.map((l) => `  ${l}`), 'end', ''].join('\n'),
    'config/puma.rb': 'port ENV.fetch("PORT") { 3000 }\n',
    'deploy/blog.service': [
      '[Service]',
      'WorkingDirectory=/srv/blog',
      'ExecStart=/usr/local/bin/bundle exec puma -C config/puma.rb',
      '',
    ].join('\n'),
  };
}

describe(ID, () => {
  for (const c of CASES) {
    it(c.name, async () => {
      const got = await findingsFor(ID, c);
      assert.equal(got.length, c.expect, got.map((f) => f.message).join('\n'));
      if (c.match) assert.match(got[0]?.message ?? '', c.match);
      if (c.name.startsWith('valid (low)') || c.name.startsWith('trap: a raw Host'))
        assert.equal(got[0]?.severity, 'low', 'a host nobody reads is not a high finding');
      if (c.name.startsWith('invalid: Express')) {
        assert.equal(got[0]?.severity, 'high');
        assert.ok(
          got[0]?.evidence.some(
            (e) => /reads the host here \(req\.hostname\)/.test(e.note ?? '') && /routes\/reset\.js$/.test(e.file),
          ),
          JSON.stringify(got[0]?.evidence),
        );
      }
    });
  }
});

describe(`${ID}: where a scheme forged through the proxy is reported`, () => {
  it('first at the hop that passes the client header on (an Apache :80 vhost, its ProxyPass in a shared partial), then the app trust', async () => {
    const found = await findingsFor(ID, {
      name: 'Apache :80 and :443 vhosts sharing a ProxyPass partial, Puma on loopback, Rails trusting every peer',
      files: {
        'apache/vhosts.d/app.conf':
          '<VirtualHost *:80>\n    Include /etc/apache2/conf.d/app.conf.partial\n</VirtualHost>\n<VirtualHost *:443>\n    SSLEngine On\n    RequestHeader set X-Forwarded-Proto "https"\n    Include /etc/apache2/conf.d/app.conf.partial\n</VirtualHost>\n',
        'apache/conf.d/app.conf.partial': 'ProxyPass / http://127.0.0.1:3000/\n',
        'config/puma.rb': 'bind "tcp://127.0.0.1:3000"\n',
        'config/environments/production.rb': 'Rails.application.configure do\n  config.force_ssl = false\nend\n',
        Gemfile: "gem 'rails'\ngem 'puma'\n",
      },
      expect: 1,
    });
    const mine = found.filter((f) => f.message.includes('through the proxy'));
    assert.equal(mine.length, 1, found.map((f) => f.message).join('\n'));
    const at = mine[0]?.evidence.map((e) => `${e.file}:${e.line}`);
    assert.deepEqual(at?.slice(0, 2), ['apache/vhosts.d/app.conf:1', 'config/environments/production.rb:2']);
  });
});
