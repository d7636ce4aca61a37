/**
 * A 0.0.0.0 bind inside a container "is reachable only through what publishes it (`ports:`, `docker run -p`, a
 * Service)" (issue 12), through the built CLI (`npm run build` first), lint and doctor on the same tree:
 * - `docker run -p` in a systemd unit's ExecStart= and in a host shell script publishes the container's port, with
 *   the server's command after the image or the image's own CMD (a Dockerfile of the tree building that image);
 * - a supervisord program inside an image runs in the compose service built from that image: its `ports:` apply
 *   and the finding names that service.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runCli } from '../helpers.js';
import { scratchTrees } from '../scratch-trees.js';

const tree = scratchTrees('proxyproof-publishing-');
let trees = 0;

const FLASK = 'from flask import Flask\napp = Flask(__name__)\n';
const GUNICORN = 'gunicorn -b 0.0.0.0:8000 --forwarded-allow-ips=* app:app';
const unit = (run: string) => `[Unit]\nDescription=web\n[Service]\nExecStart=/usr/bin/docker run --rm ${run}\n`;
const SUPERVISORD = `[supervisord]\nnodaemon=true\n\n[program:app]\ncommand=${GUNICORN}\n`;
const SUP_IMAGE = 'FROM python:3.12\nCOPY supervisord.conf /etc/supervisor/conf.d/app.conf\nCMD ["supervisord","-n"]\n';

interface Row {
  name: string;
  files: Record<string, string>;
  /** Severity of gunicorn/forwarded-allow-all (undefined: no such finding). */
  allowAll: string | undefined;
  /** Text its message holds. */
  message?: RegExp;
  /** deploy/backend-port-published's message, when it must be there. */
  published?: RegExp;
  /** What doctor says of the backend (its backends line). */
  doctor?: RegExp;
}

const ROWS: Row[] = [
  {
    name: 'systemd ExecStart=docker run -p 8000:8000 IMAGE gunicorn: published on every interface (HIGH)',
    files: { 'web.service': unit(`-p 8000:8000 -v /srv/app:/app python:3.12 ${GUNICORN}`), 'app.py': FLASK },
    allowAll: 'high',
    message: /published on 0\.0\.0\.0:8000/,
    published: /`docker run -p 8000:8000` publishes web's port 8000/,
    doctor:
      /gunicorn 0\.0\.0\.0:8000: reachable from any host that can reach this host's port 8000 \(`docker run -p 8000:8000` publishes it/,
  },
  {
    name: 'systemd --publish=127.0.0.1:8000:8000: the host only (MEDIUM, no exposure finding)',
    files: { 'web.service': unit(`--publish=127.0.0.1:8000:8000 python:3.12 ${GUNICORN}`), 'app.py': FLASK },
    allowAll: 'medium',
    message: /published on the host's 127\.0\.0\.1/,
  },
  {
    name: 'trap: systemd docker run without -p: the container network only (MEDIUM)',
    files: { 'web.service': unit(`python:3.12 ${GUNICORN}`), 'app.py': FLASK },
    allowAll: 'medium',
    message: /reachable by every container on its network/,
  },
  {
    name: "host script: docker build -t web . && docker run -d -p 8000:8000 web runs the Dockerfile's CMD, published",
    files: {
      'deploy.sh': '#!/bin/sh\ndocker build -t web .\ndocker run -d -p 8000:8000 web\n',
      Dockerfile: `FROM python:3.12\nCOPY . .\nCMD ["gunicorn", "-b", "0.0.0.0:8000", "--forwarded-allow-ips=*", "app:app"]\n`,
      'app.py': FLASK,
    },
    allowAll: 'high',
    message: /published on 0\.0\.0\.0:8000/,
  },
  {
    name: 'host script: docker run -p 8000:8000 IMAGE gunicorn ...',
    files: { 'run.sh': `#!/bin/sh\nexec docker run -p 8000:8000 python:3.12 ${GUNICORN}\n`, 'app.py': FLASK },
    allowAll: 'high',
    message: /published on 0\.0\.0\.0:8000/,
  },
  {
    name: 'trap: a script running another image (postgres) publishes nothing of the app',
    files: {
      'deploy.sh': '#!/bin/sh\ndocker run -d -p 8000:8000 postgres:16\n',
      Dockerfile: `FROM python:3.12\nCOPY . .\nCMD ["gunicorn", "-b", "0.0.0.0:8000", "--forwarded-allow-ips=*", "app:app"]\n`,
      'app.py': FLASK,
    },
    allowAll: 'medium',
    message: /reachable by every container on its network/,
  },
  {
    name: 'supervisord inside an image run by compose service web with ports: published, named web',
    files: {
      'supervisord.conf': SUPERVISORD,
      Dockerfile: SUP_IMAGE,
      'docker-compose.yml': 'services:\n  web:\n    build: .\n    ports: ["8000:8000"]\n',
      'app.py': FLASK,
    },
    allowAll: 'high',
    message: /published on 0\.0\.0\.0:8000/,
    published: /publishes web's port 8000/,
  },
  {
    name: "supervisord inside an image run by compose service web without ports: web's network (MEDIUM)",
    files: {
      'supervisord.conf': SUPERVISORD,
      Dockerfile: SUP_IMAGE,
      'docker-compose.yml': 'services:\n  web:\n    build: .\n    expose: ["8000"]\n',
      'app.py': FLASK,
    },
    allowAll: 'medium',
    message: /reachable by every container on its network[\s\S]*web's compose network/,
  },
];

describe('what publishes a container port', () => {
  for (const row of ROWS)
    it(row.name, () => {
      const dir = tree(`t${++trees}`, row.files);
      const r = runCli(['lint', '.', '--format', 'json', '--min-severity', 'info'], { cwd: dir });
      assert.equal(r.stderr, '');
      const findings = (JSON.parse(r.stdout) as { findings: Array<{ id: string; severity: string; message: string }> }).findings;
      const f = findings.find((x) => x.id === 'gunicorn/forwarded-allow-all');
      assert.equal(f?.severity, row.allowAll, JSON.stringify(findings.map((x) => [x.id, x.severity, x.message])));
      if (row.message) assert.match(f?.message ?? '', row.message);
      // deploy/backend-port-published, or the same cause folded into the trust finding ("same cause: ...").
      if (row.published) assert.match(findings.map((x) => x.message).join('\n'), row.published);
      if (row.doctor) {
        const d = runCli(['doctor', '.'], { cwd: dir }).stdout;
        assert.match(d, row.doctor);
        assert.ok(!/no app-server launch/.test(d), d);
      }
    });
});
