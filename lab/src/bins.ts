// Absolute paths of the Debian programs the lab runs. Debian's python3-* packages belong to /usr/bin/python3;
// a pyenv shim named python3 earlier on PATH would not see them, so nothing here trusts PATH for Python.
import { existsSync } from 'node:fs';
import { run } from './proc.js';
import type { SystemBinaries } from './types.js';

let cached: SystemBinaries | undefined;

function which(name: string, fallbacks: string[]): string {
  for (const f of fallbacks) if (existsSync(f)) return f;
  const r = run(['bash', '-c', `command -v ${name}`], { allowFail: true });
  return r.code === 0 ? r.stdout.trim() : fallbacks[0]!;
}

export function systemBinaries(): SystemBinaries {
  cached ??= {
    python3: '/usr/bin/python3',
    gunicorn: which('gunicorn', ['/usr/bin/gunicorn']),
    nginx: which('nginx', ['/usr/sbin/nginx']),
    chromium: which('chromium', ['/usr/bin/chromium']),
    openssl: which('openssl', ['/usr/bin/openssl']),
    ip: which('ip', ['/usr/sbin/ip', '/sbin/ip', '/usr/bin/ip', '/bin/ip']),
    curl: which('curl', ['/usr/bin/curl']),
    bash: which('bash', ['/usr/bin/bash', '/bin/bash']),
    caddy: which('caddy', ['/usr/bin/caddy']),
    haproxy: which('haproxy', ['/usr/sbin/haproxy']),
    apache2: which('apache2', ['/usr/sbin/apache2']),
    node: process.execPath,
  };
  return cached;
}

/** What is missing for a scenario's kinds, as human-readable lines (empty when all is there). */
export function missingPrograms(kinds: string[]): string[] {
  const b = systemBinaries();
  const out: string[] = [];
  const need = (path: string, what: string) => {
    if (!existsSync(path)) out.push(`${what} not found at ${path} (run scripts/install-system-deps.sh)`);
  };
  for (const k of new Set(kinds)) {
    if (k === 'nginx') need(b.nginx, 'nginx');
    if (k === 'gunicorn') need(b.gunicorn, 'gunicorn');
    if (k === 'caddy') need(b.caddy, 'caddy');
    if (k === 'haproxy') need(b.haproxy, 'haproxy');
    if (k === 'apache') need(b.apache2, 'apache2');
    if (k === 'daphne') need('/usr/bin/daphne', 'daphne');
    if (k === 'puma') need('/usr/bin/puma', 'puma (apt-get install puma ruby-rails)');
    if (k === 'uwsgi') {
      need('/usr/bin/uwsgi', 'uwsgi (apt-get install uwsgi uwsgi-plugin-python3)');
      need('/usr/lib/uwsgi/plugins/python3_plugin.so', 'uwsgi-plugin-python3');
    }
    if (k === 'tomcat') {
      need('/usr/share/tomcat10/bin/catalina.sh', 'tomcat10 (apt-get install tomcat10)');
      need('/usr/bin/java', 'java (apt-get install default-jre-headless)');
    }
    if (k === 'php-fpm') {
      need('/usr/sbin/php-fpm8.2', 'php-fpm (apt-get install php-fpm)');
      need('/usr/share/php/Symfony/Component/HttpFoundation/autoload.php', 'php-symfony-http-foundation');
    }
    if (k === 'waitress')
      need('/usr/lib/python3/dist-packages/waitress/__init__.py', 'waitress (apt-get install python3-waitress)');
    if (k === 'gunicorn' || k === 'uvicorn') {
      need(b.python3, 'Debian python3');
      const mod = k === 'gunicorn' ? 'django, gunicorn' : 'django, uvicorn';
      if (existsSync(b.python3) && run([b.python3, '-c', `import ${mod}`], { allowFail: true }).code !== 0) {
        out.push(`${b.python3} cannot import ${mod} (apt-get install python3-django gunicorn python3-uvicorn)`);
      }
    }
  }
  return out;
}
