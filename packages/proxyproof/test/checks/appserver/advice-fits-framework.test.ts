/**
 * Advice that fits what was found (issue 12): every lint check whose fix tells the app how to trust the proxy's
 * X-Forwarded-Proto names the setting of the framework found behind it. A Flask app gets Werkzeug's ProxyFix and no
 * Django text; a Django app gets SECURE_PROXY_SSL_HEADER.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gunicornProxyNotTrusted } from '../../../src/checks/appserver/gunicorn-proxy-not-trusted.js';
import { forwardedProtoMissing } from '../../../src/checks/nginx/forwarded-proto-missing.js';
import type { Check } from '../../../src/model/check.js';
import { nginxTls, settings, systemdUnit } from '../../python/fixtures.js';
import { lintFiles } from '../../python/lint-files.js';

const FLASK_APP = 'from flask import Flask\n\napp = Flask(__name__)\n';
const DJANGO = /Django|SECURE_PROXY_SSL_HEADER/;

/** Each check, with a deployment that it reports, given the app's own files. */
const CHECKS: Array<{ check: Check; deployment: Record<string, string> }> = [
  {
    // nginx ends TLS and sends no X-Forwarded-Proto to gunicorn on loopback.
    check: forwardedProtoMissing,
    deployment: {
      'app.service': systemdUnit('gunicorn -b 127.0.0.1:8000 app:app'),
      'site.conf': nginxTls('http://127.0.0.1:8000', ['proxy_set_header Host $host;']),
    },
  },
  {
    // gunicorn's own list leaves out nginx on this host.
    check: gunicornProxyNotTrusted,
    deployment: {
      'app.service': systemdUnit('gunicorn -b 127.0.0.1:8000 --forwarded-allow-ips=10.1.1.1 app:app'),
      'site.conf': nginxTls('http://127.0.0.1:8000'),
    },
  },
];

const rows: Array<{ name: string; app: Record<string, string>; expect: (text: string) => void }> = [
  {
    name: "a Flask app: Werkzeug's ProxyFix, no Django text",
    app: { 'app.py': FLASK_APP },
    expect: (text) => {
      assert.doesNotMatch(text, DJANGO);
      assert.match(text, /ProxyFix\(app\.wsgi_app, x_proto=1\)/);
    },
  },
  {
    name: "trap: a Django project served by the same unit (looks like the Flask case's wrong text): Django's setting is right",
    app: {
      'app/__init__.py': '',
      'app/settings.py': settings([]),
      'app/wsgi.py':
        "import os\nfrom django.core.wsgi import get_wsgi_application\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'app.settings')\napp = get_wsgi_application()\n",
      'manage.py':
        "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'app.settings')\nfrom django.core.management import execute_from_command_line\n",
    },
    expect: (text) => {
      assert.match(text, /SECURE_PROXY_SSL_HEADER = \("HTTP_X_FORWARDED_PROTO", "https"\)/);
      assert.doesNotMatch(text, /ProxyFix/);
    },
  },
];

for (const { check, deployment } of CHECKS) {
  for (const row of rows) {
    test(`${check.meta.id}: ${row.name}`, async () => {
      const { facts, findings } = await lintFiles({ ...deployment, ...row.app }, [check]);
      assert.ok(facts.frameworks.length > 0, 'the framework is found');
      const mine = findings.filter((f) => f.id === check.meta.id);
      assert.equal(mine.length, 1, findings.map((f) => `${f.id} ${f.message}`).join('\n'));
      row.expect(`${mine[0]!.message}\n${mine[0]!.fix?.description ?? ''}`);
    });
  }
}
