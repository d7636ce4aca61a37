/**
 * A compose file another one names in `include:` runs in the including project (Compose: "all resource definitions
 * are copied into the current Compose application model"), so its services share the includer's `default` network:
 * a proxy declared in the including file is the included app's neighbour (facts/compose-network.ts, ComposeFile
 * `includedBy`), and the chain links them as one project (composeProjectsWithIncludes).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { composeNeighbours, composeProjectsWithIncludes } from '../../src/facts/compose-network.js';
import { lintFiles } from '../python/lint-files.js';

const APP = {
  'app/Dockerfile': 'FROM python:3.12\nCOPY . /app\n',
  'app/app/wsgi.py': 'application = None\n',
  'app/compose.yaml': 'services:\n  web:\n    build: .\n    command: gunicorn app.wsgi:application --bind 0.0.0.0:8000\n',
};
const PROXY = 'services:\n  proxy:\n    image: nginx:1.27\n    ports:\n      - "443:443"\n';

/** The names of the services beside the gunicorn server, or undefined when not known. */
async function beside(files: Record<string, string>) {
  const { facts } = await lintFiles({ ...APP, ...files });
  const i = facts.appServers.findIndex((s) => s.kind === 'gunicorn');
  return {
    others: composeNeighbours(facts, i)?.others.map((o) => o.name),
    projects: [...composeProjectsWithIncludes(facts.compose?.files ?? [])].sort(),
  };
}

test('compose include: the included app shares the including project default network (its proxy is a neighbour)', async () => {
  for (const include of [
    'include:\n  - app/compose.yaml\n',
    'include:\n  - path: app/compose.yaml\n',
    'include:\n  - path: [app/compose.yaml]\n',
  ]) {
    const got = await beside({ 'compose.yaml': `${include}${PROXY}` });
    assert.deepEqual(got.others, ['proxy'], include);
    assert.deepEqual(got.projects, [
      ['app/compose.yaml', 'compose.yaml'],
      ['compose.yaml', 'compose.yaml'],
    ]);
  }
});

test('trap: a compose file in another folder that nobody includes is another project; one included by two stacks is neither', async () => {
  const apart = await beside({ 'compose.yaml': PROXY });
  assert.deepEqual(apart.others, []);
  const two = await beside({
    'run-a/compose.yaml': `include:\n  - ../app/compose.yaml\n${PROXY}`,
    'run-b/compose.yaml': 'include:\n  - ../app/compose.yaml\nservices:\n  shell:\n    image: busybox\n',
  });
  assert.deepEqual(two.others, []);
});
