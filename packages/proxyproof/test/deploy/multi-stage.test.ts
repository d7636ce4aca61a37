/**
 * Multi-stage images and scripts an image writes itself: compose `build.target` picks the stage the image is (its
 * CMD, ENV, scripts; a stage built `FROM` another carries that one's), `COPY --from=<stage>` brings a script an
 * earlier stage wrote, and here-documents (`RUN cat <<EOF > /entrypoint.sh`, `COPY <<EOF /start.sh`) and `>>`
 * appends in later RUNs are the script, each line mapped to the Dockerfile line that holds it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDockerfile } from '../../src/collectors/deploy/formats.js';
import { lintFiles } from '../python/lint-files.js';

const MULTI = `FROM python:3.12-slim AS base
WORKDIR /app
ENV PORT=8000
COPY . .

FROM base AS dev
CMD ["python", "manage.py", "runserver", "0.0.0.0:8000"]

FROM base AS web
CMD ["gunicorn", "app.wsgi", "--bind", "0.0.0.0:9000"]

FROM base AS worker
CMD ["celery", "-A", "app", "worker"]
`;

const HEREDOC = `FROM python:3.12-slim
RUN cat <<'EOF' > /entrypoint.sh
#!/bin/sh
set -e
exec gunicorn app.wsgi --bind 0.0.0.0:8000
EOF
RUN chmod +x /entrypoint.sh
ENTRYPOINT ["/entrypoint.sh"]
`;

const COPIED = `FROM alpine AS scripts
COPY <<EOF /out/start.sh
#!/bin/sh
exec uvicorn app.main:app --host 0.0.0.0 --port 8080
EOF

FROM python:3.12-slim
COPY --from=scripts /out/start.sh /usr/local/bin/
CMD ["/usr/local/bin/start.sh"]
`;

const APPENDED = `FROM python:3.12-slim
RUN echo '#!/bin/sh' > /run.sh
RUN echo 'set -e' >> /run.sh
RUN echo 'exec gunicorn app.wsgi -b 0.0.0.0:7000' >> /run.sh
CMD ["/run.sh"]
`;

test('parseDockerfile: build target, FROM an earlier stage, and the last stage by default', () => {
  const last = parseDockerfile(MULTI);
  assert.deepEqual(last.cmd?.json, ['celery', '-A', 'app', 'worker']);
  assert.equal(last.from, 'python:3.12-slim', 'through `FROM base`');
  assert.equal(last.env.PORT?.value, '8000', "base's ENV carries over");
  assert.equal(last.workdir, '/app');
  assert.equal(last.target, undefined);
  const web = parseDockerfile(MULTI, { target: 'WEB' });
  assert.equal(web.target, 'WEB');
  assert.deepEqual(web.cmd?.json, ['gunicorn', 'app.wsgi', '--bind', '0.0.0.0:9000']);
  assert.equal(web.cmd?.line, 10);
  // An unknown target: the last stage (docker build fails; we read what the file can be).
  assert.deepEqual(parseDockerfile(MULTI, { target: 'nope' }).cmd?.json, ['celery', '-A', 'app', 'worker']);
  // Stages do not leak: a stage FROM an image does not carry the previous stage's CMD.
  assert.equal(parseDockerfile('FROM a AS one\nCMD ["x"]\nFROM b\nRUN true\n').cmd, undefined);
});

test('parseDockerfile: here-documents are scripts, not instructions', () => {
  const df = parseDockerfile(HEREDOC);
  assert.deepEqual(df.problems, []);
  assert.deepEqual(
    df.instructions.map((i) => i.cmd),
    ['RUN', 'RUN', 'ENTRYPOINT'],
  );
  const w = df.written?.find((x) => x.path === '/entrypoint.sh');
  assert.ok(w, JSON.stringify(df.written));
  assert.equal(w.text, '#!/bin/sh\nset -e\nexec gunicorn app.wsgi --bind 0.0.0.0:8000\n');
  assert.equal(w.lines[2], 5, 'the exec line is Dockerfile line 5');
  // tee, <<- (tabs stripped), and a RUN here-document that is a build script (no file written).
  const tee = parseDockerfile('FROM x\nRUN tee /s.sh <<-END\n\texec a\nEND\nRUN <<EOF\napt-get update\nEOF\nCMD ["/s.sh"]\n');
  assert.deepEqual(
    tee.written?.map((x) => [x.path, x.text]),
    [['/s.sh', 'exec a\n']],
  );
  assert.equal(tee.cmd?.line, 8);
  // Trap: a here-string (`<<<`) and an opener without its delimiter line are not here-documents.
  const trap = parseDockerfile('FROM x\nRUN grep -q a <<<"$X"\nRUN cat <<EOF > /a.sh\nCMD ["y"]\n');
  assert.equal(trap.written, undefined);
  assert.deepEqual(trap.cmd?.json, ['y']);
});

test('parseDockerfile: COPY --from a stage that wrote the script; >> appends in later RUNs keep their lines', () => {
  const df = parseDockerfile(COPIED);
  const w = df.written?.find((x) => x.path === '/usr/local/bin/start.sh');
  assert.ok(w, JSON.stringify(df.written));
  assert.match(w.text, /exec uvicorn/);
  assert.equal(w.lines[1], 4);
  const app = parseDockerfile(APPENDED).written?.find((x) => x.path === '/run.sh');
  assert.equal(app?.text, '#!/bin/sh\nset -e\nexec gunicorn app.wsgi -b 0.0.0.0:7000\n');
  assert.deepEqual(app?.lines.slice(0, 3), [2, 3, 4]);
  // Trap: COPY --from an image (not a stage of this file) brings nothing known.
  assert.equal(parseDockerfile('FROM x\nCOPY --from=busybox /bin/sh /s.sh\nCMD ["/s.sh"]\n').written, undefined);
});

const servers = async (files: Record<string, string>) => {
  const { facts } = await lintFiles(files, []);
  return facts.appServers.map((s) => [s.kind, s.service ?? null, `${s.launch.file}:${s.launch.line}`, s.binds[0]?.port]);
};

test('compose build.target: the service runs that stage, not the last', async () => {
  const got = await servers({
    Dockerfile: MULTI,
    'docker-compose.yml': 'services:\n  web:\n    build:\n      context: .\n      target: web\n    ports: ["9000:9000"]\n',
  });
  assert.deepEqual(got, [['gunicorn', 'web', 'Dockerfile:10', 9000]]);
});

test('compose build.target naming the last stage: one launch, not two', async () => {
  const got = await servers({
    Dockerfile: `${MULTI}\nFROM base AS api\nCMD ["gunicorn", "app.wsgi", "--bind", "0.0.0.0:9100"]\n`,
    'docker-compose.yml': 'services:\n  api:\n    build:\n      context: .\n      target: api\n',
  });
  assert.deepEqual(got, [['gunicorn', 'api', 'Dockerfile:16', 9100]]);
});

test('a here-document entrypoint, a COPY --from script and appended lines start their servers at the right lines', async () => {
  assert.deepEqual(await servers({ Dockerfile: HEREDOC }), [['gunicorn', null, 'Dockerfile:5', 8000]]);
  assert.deepEqual(await servers({ Dockerfile: COPIED }), [['uvicorn', null, 'Dockerfile:4', 8080]]);
  assert.deepEqual(await servers({ Dockerfile: APPENDED }), [['gunicorn', null, 'Dockerfile:4', 7000]]);
});
