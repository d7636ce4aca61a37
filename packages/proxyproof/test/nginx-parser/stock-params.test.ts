/**
 * The built-in stock params are Debian's files, verbatim: pinned against /etc/nginx when Debian's nginx is
 * installed (it is on CI), and the facts the checks rely on are pinned whatever the machine.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parseNginxText, STOCK_FILES, stockFileFor } from '../../src/collectors/nginx/index.js';

const debian = existsSync('/etc/debian_version') && existsSync('/etc/nginx/proxy_params');

function directives(name: string): string[][] {
  const f = stockFileFor(name);
  assert.ok(f, name);
  const t = parseNginxText(f.content, f.path, { context: ['http', 'location'] });
  assert.equal(t.status, 'ok', JSON.stringify(t.errors));
  return (t.config[0]?.parsed ?? []).map((d) => [d.directive, ...d.args]);
}

describe('built-in stock params', () => {
  for (const f of STOCK_FILES.filter((s) => !s.origin)) {
    it(`${f.name} is byte-identical to Debian's ${f.path}`, { skip: !debian && 'not a Debian machine with nginx' }, () => {
      assert.equal(f.content, readFileSync(f.path, 'utf8'));
    });
  }

  it("Debian's proxy_params sets Host, X-Real-IP, X-Forwarded-For and X-Forwarded-Proto $scheme", () => {
    assert.deepEqual(directives('proxy_params'), [
      ['proxy_set_header', 'Host', '$host'],
      ['proxy_set_header', 'X-Real-IP', '$remote_addr'],
      ['proxy_set_header', 'X-Forwarded-For', '$proxy_add_x_forwarded_for'],
      ['proxy_set_header', 'X-Forwarded-Proto', '$scheme'],
    ]);
  });

  for (const [name, directive] of [
    ['uwsgi_params', 'uwsgi_param'],
    ['fastcgi_params', 'fastcgi_param'],
    ['fastcgi.conf', 'fastcgi_param'],
    ['scgi_params', 'scgi_param'],
  ] as const) {
    it(`${name} sets HTTPS $https if_not_empty and REQUEST_SCHEME $scheme`, () => {
      const d = directives(name);
      assert.ok(d.some((x) => x.join(' ') === `${directive} HTTPS $https if_not_empty`));
      assert.ok(d.some((x) => x.join(' ') === `${directive} REQUEST_SCHEME $scheme`));
    });
  }

  it('fastcgi.conf adds SCRIPT_FILENAME; snippets/fastcgi-php.conf includes fastcgi.conf', () => {
    assert.ok(directives('fastcgi.conf').some((x) => x[1] === 'SCRIPT_FILENAME'));
    assert.ok(!directives('fastcgi_params').some((x) => x[1] === 'SCRIPT_FILENAME'));
    assert.ok(directives('snippets/fastcgi-php.conf').some((x) => x.join(' ') === 'include fastcgi.conf'));
  });
});
