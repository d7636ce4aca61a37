/**
 * `proxyproof demo` on a machine without the lab's programs: exit 2, the missing programs listed as the lab reports
 * them, and one `apt-get install` line naming the Debian packages; nothing is started. The lab is the repository's
 * own (its real `missingPrograms` wording), with the machine's answers replaced by a machine that lacks nginx,
 * Django and Chromium. (The full demo with the real programs runs in lab/test/loop-fix.test.ts.)
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Lab, packagesFor, runDemo } from '../../src/commands/demo.js';

test('demo without the programs: exit 2, the Debian packages named, nothing started', async () => {
  const started: string[] = [];
  const lab = {
    LAB_ROOT: '/repo/lab',
    // The lab's own lines for a machine without nginx and Django (lab/src/bins.ts missingPrograms).
    missingPrograms: () => [
      'nginx not found at /usr/sbin/nginx (run scripts/install-system-deps.sh)',
      '/usr/bin/python3 cannot import django, gunicorn (apt-get install python3-django gunicorn python3-uvicorn)',
    ],
    systemBinaries: () => ({ chromium: '/nonexistent/chromium', openssl: '/nonexistent/openssl' }),
    startScenario: async (id: string) => {
      started.push(id);
      throw new Error('must not start');
    },
    observe: async () => {
      throw new Error('must not observe');
    },
    closeBrowsers: async () => {},
  } as unknown as Lab;
  const out: string[] = [];
  const code = await runDemo(
    (s) => out.push(s),
    async () => lab,
  );
  assert.equal(code, 2);
  assert.deepEqual(started, []);
  const text = out.join('\n');
  assert.match(text, /needs programs this machine does not have/);
  assert.match(text, /- nginx not found at \/usr\/sbin\/nginx/);
  assert.match(text, /- chromium not found at \/nonexistent\/chromium/);
  const install = out.find((l) => l.includes('apt-get install --no-install-recommends')) ?? '';
  for (const pkg of ['nginx', 'python3-django', 'gunicorn', 'chromium', 'openssl'])
    assert.ok(install.split(/\s+/).includes(pkg), `${pkg} in: ${install}`);
  assert.match(text, /sudo \/repo\/scripts\/install-system-deps\.sh/);
});

test('packagesFor: each missing line to its Debian package, once', () => {
  assert.deepEqual(
    packagesFor([
      'gunicorn not found at /usr/bin/gunicorn (run scripts/install-system-deps.sh)',
      'chromium not found at /usr/bin/chromium',
      'uwsgi (apt-get install uwsgi uwsgi-plugin-python3) not found at /usr/bin/uwsgi',
    ]).sort(),
    ['chromium', 'gunicorn', 'uwsgi', 'uwsgi-plugin-python3'],
  );
});

test('demo outside a repository clone: exit 2 with the reason', async () => {
  const out: string[] = [];
  const code = await runDemo(
    (s) => out.push(s),
    async () => 'the demo runs the lab of the proxyproof repository (/x/lab/src/index.ts not found): run it from a clone',
  );
  assert.equal(code, 2);
  assert.match(out.join('\n'), /^proxyproof demo: the demo runs the lab .* run it from a clone$/);
});
