/**
 * Entrypoints an image writes itself (`RUN echo '...' > /entrypoint.sh`, `printf`): no file of the tree holds the
 * script, so the Dockerfile's RUN text is the script, its lines map back to the Dockerfile, and an entrypoint that
 * picks the server by its first argument (`if [ "$1" = "web" ]`, `case "$1" in`) starts only that branch's server.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDockerfile } from '../../src/collectors/deploy/formats.js';
import { lintFiles } from '../python/lint-files.js';

const IF_SCRIPT = `FROM python:3.12-slim
WORKDIR /app
COPY . .
RUN echo '#!/bin/sh\\n\\
set -e\\n\\
if [ "$1" = "web" ]; then\\n\\
    PORT=\${PORT:-8000}\\n\\
    gunicorn app.wsgi:application --bind 0.0.0.0:$PORT\\n\\
elif [ "$1" = "worker" ]; then\\n\\
    celery -A app worker\\n\\
else\\n\\
    exec "$@"\\n\\
fi' > /entrypoint.sh && chmod +x /entrypoint.sh
ENTRYPOINT ["/entrypoint.sh"]
CMD ["web"]
`;

const CASE_SCRIPT = `FROM python:3.12-slim
RUN printf '#!/bin/sh\\n\\
case "$1" in\\n\\
  web) exec uvicorn app.main:app --host 0.0.0.0 --port 8080 ;;\\n\\
  worker) exec celery -A app worker ;;\\n\\
  *) exec "$@" ;;\\n\\
esac\\n' > /usr/local/bin/start
ENTRYPOINT ["/usr/local/bin/start"]
CMD ["web"]
`;

test('parseDockerfile: a script written by RUN echo, its lines on the Dockerfile lines that hold them', () => {
  const df = parseDockerfile(IF_SCRIPT);
  const w = df.written?.find((x) => x.path === '/entrypoint.sh');
  assert.ok(w, JSON.stringify(df.written));
  const lines = w.text.split('\n');
  const g = lines.findIndex((l) => l.includes('gunicorn'));
  assert.ok(g > 0);
  assert.equal(w.lines[g], 8, 'the gunicorn line of the script is Dockerfile line 8');
  assert.match(lines[0] ?? '', /^#!\/bin\/sh$/);
  // A write with `>` replaces, `>>` appends.
  const two = parseDockerfile(`FROM x\nRUN echo 'a' > /s.sh && echo 'b' >> /s.sh\nRUN echo 'c' > /t.sh\n`);
  assert.equal(two.written?.find((x) => x.path === '/s.sh')?.text, 'a\nb\n');
  assert.equal(two.written?.find((x) => x.path === '/t.sh')?.text, 'c\n');
  assert.equal(parseDockerfile('FROM x\nRUN echo hello > /tmp/x\n').written, undefined, 'an unquoted echo is no script');
});

const servers = async (files: Record<string, string>) => {
  const { facts } = await lintFiles(files, []);
  return facts.appServers.map((s) => ({
    kind: s.kind,
    service: s.service,
    at: `${s.launch.file}:${s.launch.line}`,
    port: s.binds[0]?.port,
  }));
};

test('compose services run a written entrypoint with their own first argument: only web starts gunicorn', async () => {
  const got = await servers({
    Dockerfile: IF_SCRIPT,
    'docker-compose.yml': 'services:\n  web:\n    build: .\n    command: web\n  worker:\n    build: .\n    command: worker\n',
  });
  assert.deepEqual(got, [{ kind: 'gunicorn', service: 'web', at: 'Dockerfile:8', port: 8000 }]);
});

test('the image alone (docker run): its CMD picks the branch', async () => {
  const got = await servers({ Dockerfile: IF_SCRIPT });
  assert.deepEqual(
    got.map((s) => [s.kind, s.at, s.port]),
    [['gunicorn', 'Dockerfile:8', 8000]],
  );
});

test('case "$1" in: the web branch of a printf-written start script', async () => {
  const got = await servers({ Dockerfile: CASE_SCRIPT });
  assert.deepEqual(
    got.map((s) => [s.kind, s.at, s.port]),
    [['uvicorn', 'Dockerfile:4', 8080]],
  );
});

test('trap: the else branch hands over to the command (exec "$@"): a compose command that is a server runs', async () => {
  const got = await servers({
    Dockerfile: IF_SCRIPT,
    'docker-compose.yml': 'services:\n  api:\n    build: .\n    command: gunicorn app.wsgi --bind 0.0.0.0:9000\n',
  });
  // The image's own CMD (`web`: gunicorn on 8000) stays a deployment of its own (docker run, ECS): compose runs the
  // image on another port.
  assert.deepEqual(
    got.map((s) => [s.kind, s.service, s.port]),
    [
      ['gunicorn', 'api', 9000],
      ['gunicorn', undefined, 8000],
    ],
  );
});

test('parseDockerfile: a comment line inside a continued RUN does not end it (Docker drops it first)', () => {
  const df = parseDockerfile('FROM x\nRUN apt-get install -y \\\n    tini \\\n    # a note\n    && mkdir /a\nCMD ["x"]\n');
  assert.deepEqual(df.problems, []);
  assert.match(df.instructions.find((i) => i.cmd === 'RUN')?.args ?? '', /tini\s+&& mkdir \/a$/);
});
