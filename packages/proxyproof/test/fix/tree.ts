/**
 * What the fix tests share: a TLS site whose location sets Host and X-Real-IP but no X-Forwarded-Proto (the
 * fix to test), and a throw-away tree of files in a fresh temporary folder (unique per call: tests may run at
 * once).
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export const SITE = `server {
    listen 443 ssl;
    server_name app.example.com;
    ssl_certificate /etc/ssl/app.pem;
    ssl_certificate_key /etc/ssl/app.key;

    location / {
        proxy_pass http://127.0.0.1:8000;
        proxy_set_header Host $host;
        proxy_set_header X-Real-IP $remote_addr;
    }
}
`;

/** Writes `files` (relative path -> content) under a new temporary folder and returns the folder. */
export function tree(files: Record<string, string>, prefix = 'proxyproof-fix-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  for (const [name, content] of Object.entries(files)) {
    const p = join(dir, name);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, content);
  }
  return dir;
}
