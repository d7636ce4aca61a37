import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fastcgiHttpsMissing } from '../../../src/checks/nginx/fastcgi-https-missing.js';
import { caseTable, factsFromText } from './harness.js';

const ID = 'nginx/fastcgi-https-missing';

caseTable(fastcgiHttpsMissing, [
  {
    name: 'PHP location with hand-written params, no HTTPS',
    config: `server {
  listen 443 ssl;
  root /var/www/html;
  location ~ \\.php$ {
    fastcgi_param SCRIPT_FILENAME $document_root$fastcgi_script_name;
    fastcgi_param QUERY_STRING $query_string;
    fastcgi_pass unix:/run/php/php8.2-fpm.sock;
  }
}`,
    expect: [`${ID}@4`],
  },
  {
    name: 'legacy ssl on and no params',
    config: 'server {\n  listen 443;\n  ssl on;\n  location ~ \\.php$ {\n    fastcgi_pass 127.0.0.1:9000;\n  }\n}',
    expect: [`${ID}@4`],
  },
  // valid
  {
    name: "Debian's fastcgi_params",
    config:
      'server {\n  listen 443 ssl;\n  location ~ \\.php$ {\n    include fastcgi_params;\n    fastcgi_pass unix:/run/php/php8.2-fpm.sock;\n  }\n}',
    expect: [],
  },
  {
    // Looks like a location without HTTPS; nginx inherits the server level's fastcgi_param lines into a location
    // that writes none of its own.
    name: "valid (trap): no fastcgi_param in the location, the server level's include fastcgi_params is inherited",
    config:
      'server {\n  listen 443 ssl;\n  include fastcgi_params;\n  location ~ \\.php$ {\n    fastcgi_pass 127.0.0.1:9000;\n  }\n}',
    expect: [],
  },
  {
    name: 'valid (trap): snippets/fastcgi-php.conf writes no HTTPS itself; the fastcgi.conf it includes does',
    config:
      'server {\n  listen 443 ssl;\n  location ~ \\.php$ {\n    include snippets/fastcgi-php.conf;\n    fastcgi_pass unix:/run/php/php8.2-fpm.sock;\n  }\n}',
    expect: [],
  },
  {
    name: 'explicit HTTPS on',
    config:
      'server {\n  listen 443 ssl;\n  location ~ \\.php$ {\n    fastcgi_param HTTPS on;\n    fastcgi_pass 127.0.0.1:9000;\n  }\n}',
    expect: [],
  },
  {
    // The server level's `fastcgi_param HTTPS on` is not inherited by a location with params of its own: HTTPS is
    // lost, but that is nginx/proxy-header-inheritance's finding (HIGH, at the location's first fastcgi_param).
    name: "valid (trap): HTTPS dropped by inheritance is nginx/proxy-header-inheritance's finding, not this one",
    config:
      'server {\n  listen 443 ssl;\n  fastcgi_param HTTPS on;\n  location ~ \\.php$ {\n    fastcgi_param SCRIPT_FILENAME $request_filename;\n    fastcgi_pass 127.0.0.1:9000;\n  }\n}',
    expect: [],
  },
  {
    name: 'plain-HTTP server',
    config: 'server {\n  listen 80;\n  location ~ \\.php$ {\n    fastcgi_pass 127.0.0.1:9000;\n  }\n}',
    expect: [],
  },
]);

test('the fix adds the HTTPS param after the last fastcgi_param', () => {
  const facts = factsFromText(
    'server {\n  listen 443 ssl;\n  location ~ \\.php$ {\n    fastcgi_param SCRIPT_FILENAME $request_filename;\n    fastcgi_pass 127.0.0.1:9000;\n  }\n}',
  );
  const [f] = fastcgiHttpsMissing.run(facts);
  assert.equal(f?.fix?.line, 4);
  assert.deepEqual(f?.fix?.lines, ['    fastcgi_param HTTPS $https if_not_empty;']);
});
