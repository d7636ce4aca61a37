/** Small, realistic deployment files for the app-side case tables. */

export function settings(lines: string[]): string {
  return [
    'import os',
    '',
    'DEBUG = False',
    "SECRET_KEY = os.environ.get('SECRET_KEY', 'x')",
    "INSTALLED_APPS = ['django.contrib.admin']",
    "ROOT_URLCONF = 'mysite.urls'",
    ...lines,
    '',
  ].join('\n');
}

export const WSGI =
  "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'mysite.settings')\nfrom django.core.wsgi import get_wsgi_application\napplication = get_wsgi_application()\n";

/** nginx site ending TLS and proxying `location /` to `target` with the given extra header lines. */
export function nginxTls(
  target: string,
  headers: string[] = ['proxy_set_header Host $host;', 'proxy_set_header X-Forwarded-Proto $scheme;'],
): string {
  return [
    'server {',
    '    listen 443 ssl;',
    '    server_name example.com;',
    '    ssl_certificate /etc/ssl/example.pem;',
    '    ssl_certificate_key /etc/ssl/example.key;',
    '    location / {',
    `        proxy_pass ${target};`,
    ...headers.map((h) => `        ${h}`),
    '    }',
    '}',
    '',
  ].join('\n');
}

export function systemdUnit(exec: string, extra: string[] = []): string {
  return [
    '[Unit]',
    'Description=app',
    '',
    '[Service]',
    'User=www-data',
    ...extra,
    `ExecStart=${exec}`,
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n');
}

/** compose file with an nginx proxy service and a `web` service (lines given as YAML under web:). */
export function compose(web: string[], opts: { proxy?: boolean } = {}): string {
  const out = ['services:'];
  if (opts.proxy ?? true)
    out.push('  nginx:', '    image: nginx:1.25', '    ports:', '      - "443:443"', '    depends_on: [web]');
  out.push('  web:', '    build: .', ...web.map((l) => `    ${l}`), '');
  return out.join('\n');
}
