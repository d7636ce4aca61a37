/**
 * collectors/apache: an `Include` whose file is not in the tree is said, never dropped silently (a warning for
 * `Include`, which stops Apache when the file is missing; a note for `IncludeOptional` and wildcards), and the
 * include note says when a fragment of another name was assumed.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lintFiles } from '../python/lint-files.js';

const VHOST = (include: string) =>
  `<VirtualHost *:443>\n    SSLEngine On\n    RequestHeader set X-Forwarded-Proto "https"\n    ${include}\n</VirtualHost>\n`;

const apacheDiagnostics = async (files: Record<string, string>) =>
  (await lintFiles(files, [])).facts.diagnostics
    .filter((d) => d.message.startsWith('Apache config:'))
    .map((d) => `${d.level} ${d.file}:${d.line} ${d.message}`);

test('a missing Include is a warning at its line; a missing IncludeOptional or wildcard is a note', async () => {
  const out = await apacheDiagnostics({
    'site.conf': VHOST(
      'Include /etc/apache2/conf.d/app.conf.partial\n    IncludeOptional /etc/apache2/conf.d/ui.conf.partia[l]\n    Include /etc/apache2/extra/*.conf',
    ),
  });
  assert.equal(out.length, 3, out.join('\n'));
  assert.match(
    out[0] as string,
    /^warning site\.conf:4 Apache config: Include \/etc\/apache2\/conf\.d\/app\.conf\.partial: not in the tree/,
  );
  assert.match(out[1] as string, /^note site\.conf:5 Apache config: IncludeOptional /);
  assert.match(out[2] as string, /^note site\.conf:6 Apache config: Include \/etc\/apache2\/extra\/\*\.conf/);
});

test('an Include found in the tree (matched from the end of its path) says nothing', async () => {
  const out = await apacheDiagnostics({
    'vhosts.d/site.conf': VHOST('Include /etc/apache2/conf.d/app.conf.partial'),
    'conf.d/app.conf.partial': 'ProxyPass / http://127.0.0.1:3000/\n',
  });
  assert.deepEqual(out, []);
});

test('a fragment assumed for a missing Include: no warning, and the proxy notes say it was assumed', async () => {
  const { facts } = await lintFiles(
    {
      'templates/site.conf.erb': VHOST('Include /etc/apache2/conf.d/app.conf.partial'),
      'templates/app-rails.conf.partial.erb': 'ProxyPass / http://127.0.0.1:3000/\n',
    },
    [],
  );
  assert.deepEqual(
    facts.diagnostics.filter((d) => d.message.startsWith('Apache config:')),
    [],
  );
  const site = facts.proxies?.find((p) => p.kind === 'apache')?.sites[0];
  assert.equal(site?.routes[0]?.ref.file, 'templates/app-rails.conf.partial.erb');
  assert.ok(
    site?.notes.some((n) =>
      /assumed: \/etc\/apache2\/conf\.d\/app\.conf\.partial is not in the tree; app-rails\.conf\.partial\.erb is the only \.conf\.partial fragment/.test(
        n,
      ),
    ),
    site?.notes.join('\n'),
  );
});
