/**
 * The doctor's "Probe the live backends" section: an HTTP backend gets a `proxyproof probe` command with its
 * address and the public site; a backend that speaks FastCGI (php-fpm) or the uwsgi protocol (a uWSGI `socket`)
 * gets no HTTP probe, whether the app server's own file or only the proxy route says so.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runDoctor } from '../../src/chain/run.js';
import { tree } from '../fix/tree.js';

const tls = (body: string) => `server {
    listen 443 ssl;
    server_name app.example.com;
    ssl_certificate /etc/ssl/app.pem;
    ssl_certificate_key /etc/ssl/app.key;
    root /srv/app/public;
${body}
}
`;

async function probeLines(files: Record<string, string>): Promise<string[]> {
  const dir = tree(files, 'proxyproof-probecmd-');
  const d = await runDoctor([dir], { cwd: dir });
  return d.report.sections?.find((s) => s.title.startsWith('Probe the live backends'))?.lines ?? [];
}

const cases: Array<{ name: string; files: Record<string, string>; probe?: RegExp; notHttp?: RegExp }> = [
  {
    name: 'valid: gunicorn on loopback behind nginx gets an HTTP probe with the public site',
    files: {
      'nginx/sites-enabled/app': tls(
        '    location / {\n        proxy_pass http://127.0.0.1:8000;\n        proxy_set_header Host $host;\n    }',
      ),
      'gunicorn.service': '[Service]\nExecStart=/usr/bin/gunicorn --bind 127.0.0.1:8000 app.wsgi\n',
    },
    probe: /^ {2}proxyproof probe --backend http:\/\/127\.0\.0\.1:8000 --public https:\/\/app\.example\.com \(on this host\)$/,
  },
  {
    name: 'invalid for HTTP: php-fpm pool behind fastcgi_pass speaks FastCGI',
    files: {
      'nginx/sites-enabled/app': tls(
        '    location ~ \\.php$ {\n        include fastcgi_params;\n        fastcgi_pass 127.0.0.1:9000;\n    }',
      ),
      'php-fpm/pool.d/www.conf': '[www]\nuser = www-data\nlisten = 127.0.0.1:9000\npm = dynamic\n',
    },
    notHttp: /php-fpm 127\.0\.0\.1:9000 speaks FastCGI \(.*www\.conf:3\), not HTTP: no probe to run/,
  },
  {
    name: 'invalid for HTTP: a uWSGI socket behind uwsgi_pass speaks the uwsgi protocol',
    files: {
      'nginx/sites-enabled/app': tls(
        '    location / {\n        include uwsgi_params;\n        uwsgi_pass 127.0.0.1:8001;\n    }',
      ),
      'app/uwsgi.ini': '[uwsgi]\nmodule = app.wsgi:application\nsocket = 127.0.0.1:8001\n',
    },
    notHttp: /uwsgi 127\.0\.0\.1:8001 speaks the uwsgi protocol \(.*uwsgi\.ini:3\)/,
  },
  {
    name: 'trap: an HTTP app server reached only through uwsgi_pass is judged by the route (the link speaks uwsgi)',
    files: {
      'nginx/sites-enabled/app': tls(
        '    location / {\n        include uwsgi_params;\n        uwsgi_pass 127.0.0.1:8000;\n    }',
      ),
      'gunicorn.service': '[Service]\nExecStart=/usr/bin/gunicorn --bind 127.0.0.1:8000 app.wsgi\n',
    },
    notHttp: /gunicorn 127\.0\.0\.1:8000 speaks the uwsgi protocol \(.*app:\d+\), not HTTP/,
  },
  {
    name: 'invalid for HTTP: the official php:fpm image in compose (every interface of the container) speaks FastCGI',
    files: {
      'docker-compose.yml':
        'services:\n  php:\n    image: php:8.2-fpm\n    ports:\n      - "9000:9000"\n  web:\n    image: nginx:1.25\n    ports:\n      - "443:443"\n    volumes:\n      - ./nginx/sites-enabled/app:/etc/nginx/conf.d/default.conf\n',
      'nginx/sites-enabled/app': tls(
        '    location ~ \\.php$ {\n        include fastcgi_params;\n        fastcgi_pass php:9000;\n    }',
      ),
    },
    notHttp: /php-fpm .*9000 speaks FastCGI .*, not HTTP: no probe to run/,
  },
  {
    name: "valid: a container's unpublished 0.0.0.0 port is probed from its network, not as open on every host interface",
    files: {
      'docker-compose.yml':
        'services:\n  web:\n    image: shop/api:2\n    command: gunicorn shop.wsgi --bind 0.0.0.0:8000\n    expose:\n      - 8000\n  front:\n    image: nginx:1.27\n    ports:\n      - "443:443"\n    volumes:\n      - ./nginx/sites-enabled/app:/etc/nginx/conf.d/default.conf\n',
      'nginx/sites-enabled/app': tls(
        '    location / {\n        proxy_pass http://web:8000;\n        proxy_set_header Host $host;\n    }',
      ),
    },
    probe:
      /^ {2}proxyproof probe --backend http:\/\/<its address on that network>:8000 --public https:\/\/app\.example\.com \(from its compose network, where only the proxy runs \(not published\)\)$/,
  },
  {
    name: 'valid: the same with another container on its network: the probe names who reaches it',
    files: {
      'docker-compose.yml':
        'services:\n  web:\n    image: shop/api:2\n    command: gunicorn shop.wsgi --bind 0.0.0.0:8000\n    expose:\n      - 8000\n  db:\n    image: postgres:16\n  front:\n    image: nginx:1.27\n    ports:\n      - "443:443"\n    volumes:\n      - ./nginx/sites-enabled/app:/etc/nginx/conf.d/default.conf\n',
      'nginx/sites-enabled/app': tls(
        '    location / {\n        proxy_pass http://web:8000;\n        proxy_set_header Host $host;\n    }',
      ),
    },
    probe:
      /^ {2}proxyproof probe --backend http:\/\/<its address on that network>:8000 --public https:\/\/app\.example\.com \(from other containers on web's compose network \(not published\)\)$/,
  },
  {
    name: "valid: a Flask view that shows the client's address is named with --client-ip-path (`/` only redirects)",
    files: {
      'nginx/sites-enabled/app': tls(
        '    location / {\n        proxy_pass http://127.0.0.1:8000;\n        proxy_set_header Host $host;\n    }',
      ),
      'gunicorn.service': '[Service]\nWorkingDirectory=/srv/app\nExecStart=/usr/bin/gunicorn --bind 127.0.0.1:8000 app:app\n',
      'app.py': [
        'from flask import Flask, redirect, request',
        'app = Flask(__name__)',
        '',
        '@app.get("/")',
        'def index():',
        '    return redirect("/login")',
        '',
        '@app.route("/whoami")',
        'def whoami():',
        '    return {"ip": request.remote_addr}',
        '',
      ].join('\n'),
    },
    probe:
      /^ {2}proxyproof probe --backend http:\/\/127\.0\.0\.1:8000 --public https:\/\/app\.example\.com --client-ip-path \/whoami \(on this host\)$/,
  },
  {
    name: 'trap: a client-address read outside any view (a helper with no route) adds no path',
    files: {
      'nginx/sites-enabled/app': tls(
        '    location / {\n        proxy_pass http://127.0.0.1:8000;\n        proxy_set_header Host $host;\n    }',
      ),
      'gunicorn.service': '[Service]\nWorkingDirectory=/srv/app\nExecStart=/usr/bin/gunicorn --bind 127.0.0.1:8000 app:app\n',
      'app.py': [
        'from flask import Flask, request',
        'app = Flask(__name__)',
        '',
        'def client_ip():',
        '    return request.remote_addr',
        '',
      ].join('\n'),
    },
    probe: /^ {2}proxyproof probe --backend http:\/\/127\.0\.0\.1:8000 --public https:\/\/app\.example\.com \(on this host\)$/,
  },
];

for (const c of cases) {
  test(`doctor probe commands: ${c.name}`, async () => {
    const lines = await probeLines(c.files);
    if (c.probe) {
      assert.ok(
        lines.some((l) => c.probe?.test(l)),
        lines.join('\n'),
      );
    }
    if (c.notHttp) {
      assert.ok(
        lines.some((l) => c.notHttp?.test(l)),
        lines.join('\n'),
      );
      assert.ok(
        !lines.some((l) => /proxyproof probe --backend/.test(l)),
        `an HTTP probe of a non-HTTP backend:\n${lines.join('\n')}`,
      );
    }
  });
}
