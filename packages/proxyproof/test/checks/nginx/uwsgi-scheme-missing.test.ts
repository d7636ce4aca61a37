import assert from 'node:assert/strict';
import { test } from 'node:test';
import { uwsgiSchemeMissing } from '../../../src/checks/nginx/uwsgi-scheme-missing.js';
import { caseTable, factsFromText } from './harness.js';

const ID = 'nginx/uwsgi-scheme-missing';

caseTable(uwsgiSchemeMissing, [
  {
    name: 'hand-written params without HTTPS or UWSGI_SCHEME',
    config: `server {
  listen 443 ssl;
  location / {
    uwsgi_param REQUEST_METHOD $request_method;
    uwsgi_param REQUEST_URI $request_uri;
    uwsgi_param PATH_INFO $document_uri;
    uwsgi_pass unix:/run/uwsgi/app.sock;
  }
}`,
    expect: [`${ID}@3`],
  },
  {
    name: 'no params at all',
    config: 'server {\n  listen 443 ssl;\n  location / {\n    uwsgi_pass 127.0.0.1:3031;\n  }\n}',
    expect: [`${ID}@3`],
  },
  {
    name: 'HTTPS with an empty value sends nothing',
    config: 'server {\n  listen 443 ssl;\n  location / {\n    uwsgi_param HTTPS "";\n    uwsgi_pass 127.0.0.1:3031;\n  }\n}',
    expect: [`${ID}@3`],
  },
  // valid
  {
    name: "Debian's include uwsgi_params sets HTTPS $https if_not_empty",
    config:
      'server {\n  listen 443 ssl;\n  location / {\n    include uwsgi_params;\n    uwsgi_pass unix:/run/uwsgi/app.sock;\n  }\n}',
    expect: [],
  },
  {
    name: 'UWSGI_SCHEME $scheme',
    config:
      'server {\n  listen 443 ssl;\n  location / {\n    uwsgi_param UWSGI_SCHEME $scheme;\n    uwsgi_pass 127.0.0.1:3031;\n  }\n}',
    expect: [],
  },
  {
    name: 'a plain-HTTP server',
    config: 'server {\n  listen 80;\n  location / {\n    uwsgi_pass 127.0.0.1:3031;\n  }\n}',
    expect: [],
  },
  {
    // Looks like a location that sends no scheme; the server level's uwsgi_param lines are inherited by a location
    // that writes none of its own.
    name: "valid (trap): no uwsgi_param in the location, the server level's include uwsgi_params is inherited",
    config: 'server {\n  listen 443 ssl;\n  include uwsgi_params;\n  location / {\n    uwsgi_pass 127.0.0.1:3031;\n  }\n}',
    expect: [],
  },
  {
    name: "valid (trap): dropped by inheritance, but that is nginx/proxy-header-inheritance's finding, not this one",
    config:
      'server {\n  listen 443 ssl;\n  include uwsgi_params;\n  location / {\n    uwsgi_param SCRIPT_NAME /app;\n    uwsgi_pass 127.0.0.1:3031;\n  }\n}',
    expect: [],
  },
]);

test('with other params the fix adds the scheme params next to them', () => {
  const facts = factsFromText(
    'server {\n  listen 443 ssl;\n  location / {\n    uwsgi_param REQUEST_METHOD $request_method;\n    uwsgi_pass 127.0.0.1:3031;\n  }\n}',
  );
  const [f] = uwsgiSchemeMissing.run(facts);
  assert.equal(f?.fix?.line, 4);
  // HTTP_X_FORWARDED_PROTO as well: otherwise a client's own X-Forwarded-Proto outranks UWSGI_SCHEME in uWSGI.
  assert.deepEqual(f?.fix?.lines, [
    '    uwsgi_param HTTPS $https if_not_empty;',
    '    uwsgi_param UWSGI_SCHEME $scheme;',
    '    uwsgi_param HTTP_X_FORWARDED_PROTO $scheme;',
  ]);
});

test('with no params the fix is the stock include', () => {
  const facts = factsFromText('server {\n  listen 443 ssl;\n  location / {\n    uwsgi_pass 127.0.0.1:3031;\n  }\n}');
  const [f] = uwsgiSchemeMissing.run(facts);
  assert.deepEqual(f?.fix?.lines, ['    include uwsgi_params;', '    uwsgi_param HTTP_X_FORWARDED_PROTO $scheme;']);
});
