// A cloud/PaaS front with no proxy in the tree is the chain's first hop: it ends TLS, sends its documented
// headers from another host, and the app's trust of that host decides the scheme.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findingsFor } from '../checks/chain/cases.js';

const FLY =
  'app = "x"\n\n[[services]]\n  internal_port = 8000\n  protocol = "tcp"\n\n  [[services.ports]]\n    force_https = true\n    handlers = ["http"]\n    port = 80\n\n  [[services.ports]]\n    handlers = ["tls", "http"]\n    port = 443\n';
const SETTINGS = (extra: string) =>
  `SECRET_KEY = "x"\nALLOWED_HOSTS = ["app.fly.dev"]\nINSTALLED_APPS = ["django.contrib.admin"]\nROOT_URLCONF = "site.urls"\n${extra}`;
const DOCKERFILE = (cmd: string) => `FROM python:3.12\nCOPY . /app\nEXPOSE 8000\n${cmd}\n`;

test('chain: Fly proxy -> gunicorn (default forwarded_allow_ips) -> Django is lost at hop 2, TLS at fly.toml', async () => {
  const f = await findingsFor('chain/scheme-lost', {
    name: 'fly',
    files: {
      'fly.toml': FLY,
      Dockerfile: DOCKERFILE('CMD ["gunicorn", "--bind", ":8000", "site.wsgi"]'),
      'site/settings.py': SETTINGS(''),
    },
    expect: 1,
  });
  assert.match(f[0]?.message ?? '', /lost at hop 2 \(gunicorn :8000\)/);
  assert.ok(
    f[0]?.evidence.some((e) => e.file.endsWith('fly.toml') && e.line === 13),
    JSON.stringify(f[0]?.evidence),
  );
});

test('chain: the same with forwarded_allow_ips="*" and SECURE_PROXY_SSL_HEADER believes https', async () => {
  const f = await findingsFor('chain/scheme-lost', {
    name: 'fly fixed',
    files: {
      'fly.toml': FLY,
      Dockerfile: DOCKERFILE('CMD ["gunicorn", "--bind", ":8000", "--forwarded-allow-ips", "*", "site.wsgi"]'),
      'site/settings.py': SETTINGS('SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")\n'),
    },
    expect: 0,
  });
  assert.equal(f.length, 0);
});

test('chain (trap): a fly.toml internal_port no app listens on links nothing (no guess)', async () => {
  const f = await findingsFor('chain/scheme-lost', {
    name: 'fly other port',
    files: {
      'fly.toml': FLY.replace('internal_port = 8000', 'internal_port = 9000'),
      Dockerfile: DOCKERFILE('CMD ["gunicorn", "--bind", ":8000", "site.wsgi"]'),
      'site/settings.py': SETTINGS(''),
    },
    expect: 0,
  });
  assert.equal(f.length, 0);
});
