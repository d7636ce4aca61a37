/** Case-table helpers for the chain checks: write a small deployment into a temp dir, run the doctor. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { runDoctor } from '../../../src/chain/run.js';
import type { Finding } from '../../../src/model/finding.js';

export interface Case {
  name: string;
  files: Record<string, string>;
  /** Number of findings of the check expected. */
  expect: number;
  /** Optional check on the first finding. */
  match?: RegExp;
  options?: { url?: string; behindTlsLb?: boolean };
}

export async function findingsFor(id: string, c: Case): Promise<Finding[]> {
  const dir = mkdtempSync(join(tmpdir(), 'pp-chain-case-'));
  try {
    for (const [p, text] of Object.entries(c.files)) {
      mkdirSync(dirname(join(dir, p)), { recursive: true });
      writeFileSync(join(dir, p), text);
    }
    const r = await runDoctor([dir], { cwd: dir, ...c.options });
    // A chain finding is either a finding of its own or, when a layer check describes the same loss at the
    // same place, the explanation of that layer finding (one root cause, one headline: data.chainFinding).
    return r.report.findings.filter((f) => f.id === id || (f.data?.chainFinding as { id?: string } | undefined)?.id === id);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function site(
  opts: {
    listen?: string;
    location?: string;
    headers?: string[];
    serverHeaders?: string[];
    pass?: string;
    extra?: string[];
  } = {},
): string {
  const h = (opts.headers ?? ['proxy_set_header Host $host;', 'proxy_set_header X-Forwarded-Proto $scheme;'])
    .map((l) => `        ${l}`)
    .join('\n');
  const sh = (opts.serverHeaders ?? []).map((l) => `    ${l}`).join('\n');
  return `server {
    listen ${opts.listen ?? '443 ssl'};
    server_name app.example.com;
${sh}
${(opts.extra ?? []).map((l) => `    ${l}`).join('\n')}
    location ${opts.location ?? '/'} {
        proxy_pass ${opts.pass ?? 'http://127.0.0.1:8000'};
${h}
    }
}
`;
}

export function gunicornUnit(opts: { bind?: string; extra?: string } = {}): string {
  return `[Unit]
Description=gunicorn
[Service]
WorkingDirectory=/srv/app
Environment=DJANGO_SETTINGS_MODULE=mysite.settings
ExecStart=/srv/app/venv/bin/gunicorn --bind ${opts.bind ?? '127.0.0.1:8000'}${opts.extra ? ` ${opts.extra}` : ''} mysite.wsgi:application
[Install]
WantedBy=multi-user.target
`;
}

export function settings(lines: string[] = []): string {
  return `SECRET_KEY = 'x'
DEBUG = False
ALLOWED_HOSTS = ['app.example.com']
INSTALLED_APPS = ['django.contrib.auth', 'django.contrib.contenttypes']
MIDDLEWARE = ['django.middleware.security.SecurityMiddleware']
ROOT_URLCONF = 'mysite.urls'
WSGI_APPLICATION = 'mysite.wsgi.application'
${lines.join('\n')}
`;
}

export function deployment(siteText: string, unit = gunicornUnit(), settingsText = settings()): Record<string, string> {
  return {
    'nginx/sites-enabled/app': siteText,
    'systemd/gunicorn.service': unit,
    'mysite/mysite/__init__.py': '',
    'mysite/mysite/settings.py': settingsText,
  };
}
