/**
 * Traefik's docker provider with no `loadbalancer.server.port` label sends to the port the container exposes, the
 * lowest one when it exposes several (`getPort` in traefik/traefik pkg/provider/docker, the same from v1.7 to v3):
 * the chain links that router to the app server of the service on that port, instead of calling the target
 * "chosen per request".
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { analyzeChain } from '../../src/chain/analyze.js';
import { lintFiles } from '../python/lint-files.js';

const COMPOSE = (command: string) => `services:
  web:
    build: .
    command: ${command}
    labels:
      - "traefik.enable=true"
      - "traefik.http.routers.web.rule=Host(\`app.example.org\`)"
      - "traefik.http.routers.web.entrypoints=websecure"
      - "traefik.http.routers.web.tls=true"
`;

const CASES: Array<{
  name: string;
  command: string;
  linked: boolean;
  how?: RegExp;
  unresolved?: RegExp;
  /** The Dockerfile `build: .` builds (none: the image's EXPOSE is not known, the ports listened on stand in). */
  dockerfile?: string;
  /** The router's upstream text, when it names the port the collector picked. */
  text?: RegExp;
}> = [
  {
    name: 'one wildcard bind: linked',
    command: 'gunicorn app.wsgi --bind 0.0.0.0:8000',
    linked: true,
    how: /compose service web, container port 8000 \(the only port it listens on/,
  },
  {
    name: 'loopback only inside the container: nothing on the container network',
    command: 'gunicorn app.wsgi --bind 127.0.0.1:8000',
    linked: false,
    unresolved: /compose service web has no app server or proxy listening on its container network/,
  },
  {
    name: 'two ports: the lowest one',
    command: 'gunicorn app.wsgi --bind 0.0.0.0:8000 --bind 0.0.0.0:9000',
    linked: true,
    how: /container port 8000 \(the lowest of the ports it listens on, 8000, 9000: with no loadbalancer\.server\.port label/,
  },
  // Trap: the first port written is not the one Traefik takes; it sorts the container's ports by number.
  {
    name: 'two ports, the higher written first: still the lowest',
    command: 'gunicorn app.wsgi --bind 0.0.0.0:9000 --bind 0.0.0.0:8000',
    linked: true,
    how: /container port 8000 \(the lowest of the ports it listens on, 8000, 9000/,
  },
  // Sorted as numbers, not as text ("10000" < "8000" as strings).
  {
    name: 'two ports of different lengths: numeric order',
    command: 'gunicorn app.wsgi --bind 0.0.0.0:10000 --bind 0.0.0.0:8000',
    linked: true,
    how: /container port 8000 \(the lowest of the ports it listens on, 8000, 10000/,
  },
  // The image's EXPOSE is what Traefik sees (NetworkSettings.Ports), not the ports something listens on.
  {
    name: 'EXPOSE 8000 on python (exposes nothing itself), a second bind on 5000: the exposed port, not the lowest bind',
    command: 'gunicorn app.wsgi --bind 0.0.0.0:5000 --bind 0.0.0.0:8000',
    dockerfile: 'FROM python:3.12-slim\nEXPOSE 8000\n',
    linked: true,
    how: /compose service web, container port 8000$/,
    text: /^http:\/\/web:8000$/,
  },
  {
    name: 'EXPOSE 9000 8000: the lowest exposed port, said in the upstream',
    command: 'gunicorn app.wsgi --bind 0.0.0.0:8000 --bind 0.0.0.0:9000',
    dockerfile: 'FROM python:3.12-slim\nEXPOSE 9000 8000\n',
    linked: true,
    how: /compose service web, container port 8000$/,
    text: /^http:\/\/web:8000 \(the lowest port the container exposes, of 8000, 9000\)$/,
  },
  // Trap: a base image the collector does not know may expose a lower port; the upstream says so.
  {
    name: 'EXPOSE 9000 8000 on an unknown base: the lowest known, with the caveat',
    command: 'gunicorn app.wsgi --bind 0.0.0.0:8000 --bind 0.0.0.0:9000',
    dockerfile: 'FROM registry.example.com/base:1\nEXPOSE 9000 8000\n',
    linked: true,
    how: /compose service web, container port 8000$/,
    text: /of 8000, 9000, unless its base image exposes a lower one\)$/,
  },
  // Trap: the inherited EXPOSE of a multi-stage build counts (the stage is built FROM the one that exposes 8000).
  {
    name: 'EXPOSE in the stage the image is built from: inherited',
    command: 'gunicorn app.wsgi --bind 0.0.0.0:5000 --bind 0.0.0.0:8000',
    dockerfile: 'FROM python:3.12-slim AS base\nEXPOSE 8000\nFROM base AS web\nRUN true\n',
    linked: true,
    how: /compose service web, container port 8000$/,
  },
  // Traefik sends to the exposed 8000, where nothing listens: a broken route, not a link to the 9000 bind.
  {
    name: 'EXPOSE 8000, the app listens on 9000 only: Traefik sends to 8000, nothing there',
    command: 'gunicorn app.wsgi --bind 0.0.0.0:9000',
    dockerfile: 'FROM python:3.12-slim\nEXPOSE 8000\n',
    linked: false,
    unresolved: /compose service web runs .* which does not listen on 8000 on the container network/,
  },
];

for (const c of CASES)
  test(`Traefik labels without a port: ${c.name}`, async () => {
    const files: Record<string, string> = { 'docker-compose.yml': COMPOSE(c.command) };
    if (c.dockerfile) files.Dockerfile = c.dockerfile;
    const { facts } = await lintFiles(files, []);
    const a = analyzeChain(facts);
    if (c.text) {
      const ups = (facts.proxies ?? []).flatMap((p) => p.sites.flatMap((x) => x.routes.flatMap((r) => r.upstreams)));
      assert.ok(
        ups.some((u) => c.text?.test(u.text)),
        ups.map((u) => u.text).join(' | '),
      );
    }
    const hop = a.topology.proxies.find((p) => p.kind === 'traefik');
    assert.ok(hop, 'the Traefik entrypoint is a hop');
    const links = a.topology.links.filter((l) => l.fromHop === hop.id);
    assert.ok(links.length > 0);
    if (c.linked) {
      assert.ok(
        links.every((l) => l.target.kind === 'app'),
        JSON.stringify(links.map((l) => l.target)),
      );
      assert.equal(links.length, 1, JSON.stringify(links.map((l) => l.how)));
      const t = links[0]?.target;
      const bind = t?.kind === 'app' ? a.topology.apps.find((x) => x.id === t.appId)?.binds[t.bind]?.address : undefined;
      assert.equal(bind?.kind === 'tcp' ? bind.port : undefined, 8000);
      assert.match(links[0]?.how ?? '', c.how as RegExp);
    } else {
      const t = links[0]?.target;
      assert.equal(t?.kind, 'unresolved');
      assert.match(t?.kind === 'unresolved' ? t.reason : '', c.unresolved as RegExp);
    }
  });

// An nginx container between Traefik and php-fpm (the usual Laravel/Symfony compose): the router's target is the
// nginx of that service (the `nginx:alpine` image exposes 80 only), and the chain goes on to php-fpm through it.
test('Traefik labels without a port on an nginx service: linked to the nginx in that container, then to php-fpm', async () => {
  const compose = `services:
  nginx:
    image: nginx:alpine
    volumes:
      - ./nginx/default.conf:/etc/nginx/conf.d/default.conf
    labels:
      - "traefik.enable=true"
      - "traefik.http.routers.app.rule=Host(\`app.example.org\`)"
      - "traefik.http.routers.app.entrypoints=websecure"
      - "traefik.http.routers.app.tls=true"
  php:
    image: php:8.2-fpm
`;
  const site = `server {
    listen 80;
    root /var/www/html/public;
    location ~ \\.php$ {
        include fastcgi_params;
        fastcgi_pass php:9000;
    }
}
`;
  const { facts } = await lintFiles({ 'docker-compose.yml': compose, 'nginx/default.conf': site }, []);
  const a = analyzeChain(facts);
  const traefik = a.topology.proxies.find((p) => p.kind === 'traefik');
  const nginx = a.topology.proxies.find((p) => p.kind === 'nginx');
  assert.ok(traefik && nginx, a.topology.proxies.map((p) => p.label).join(', '));
  const links = a.topology.links.filter((l) => l.fromHop === traefik.id);
  assert.deepEqual(
    links.map((l) => l.target),
    [{ kind: 'proxy', hopId: nginx.id, listener: 0 }],
  );
  assert.match(links[0]?.how ?? '', /compose service nginx, container port 80 (.* )?-> nginx/);
  const route = a.verdict.routes.find((r) => r.trace.steps[1]?.label.startsWith('traefik'));
  assert.ok(route, a.verdict.routes.map((r) => r.trace.steps.map((s) => s.label).join(' -> ')).join('\n'));
  assert.ok(!route.trace.unresolved, JSON.stringify(route.trace.unresolved));
  assert.ok(
    route.trace.steps.some((s) => /php-fpm/.test(s.label)),
    route.trace.steps.map((s) => s.label).join(' -> '),
  );
});

/**
 * A container that exposes nothing, whose image is known to expose nothing either (python, node...), and no label
 * naming a port: Traefik's docker provider refuses the container — 2.x/3.x `addServer` "port is missing" skips its
 * whole configuration (pkg/provider/docker/config.go), 1.7's `containerFilter` logs "Filtering container without
 * port" — so the router serves 404 and the app behind it is never reached through it. Said in the proxy's notes, no
 * link to the app.
 */
const REFUSED: Array<{ name: string; files: Record<string, string>; refused: boolean }> = [
  {
    name: 'python base, no EXPOSE, no expose:/ports:, no port label: refused',
    files: { 'docker-compose.yml': COMPOSE('gunicorn app.wsgi --bind 0.0.0.0:8000'), Dockerfile: 'FROM python:3.12-slim\n' },
    refused: true,
  },
  {
    name: 'the same with a loadbalancer.server.port label: served on that port',
    files: {
      'docker-compose.yml': `${COMPOSE('gunicorn app.wsgi --bind 0.0.0.0:8000')}      - "traefik.http.services.web.loadbalancer.server.port=8000"\n`,
      Dockerfile: 'FROM python:3.12-slim\n',
    },
    refused: false,
  },
  {
    name: 'the same with compose expose: 8000: served',
    files: {
      'docker-compose.yml': `${COMPOSE('gunicorn app.wsgi --bind 0.0.0.0:8000')}    expose:\n      - "8000"\n`,
      Dockerfile: 'FROM python:3.12-slim\n',
    },
    refused: false,
  },
  // Trap: an unknown base image may EXPOSE a port of its own; not called refused.
  {
    name: 'trap: an unknown base image (its EXPOSE not known): not called refused',
    files: {
      'docker-compose.yml': COMPOSE('gunicorn app.wsgi --bind 0.0.0.0:8000'),
      Dockerfile: 'FROM registry.example.com/base:1\n',
    },
    refused: false,
  },
  // Trap: a registry image tied to the tree's only Dockerfile (assumed): the registry's image may expose more.
  {
    name: "trap: a registry image the tree's only Dockerfile is assumed to build: not called refused",
    files: {
      'docker-compose.yml': COMPOSE('gunicorn app.wsgi --bind 0.0.0.0:8000').replace('build: .', 'image: example/app:1'),
      Dockerfile: 'FROM python:3.12-slim\n',
    },
    refused: false,
  },
  // Trap: no Dockerfile in the tree for `build: .`: the image's EXPOSE is not known.
  {
    name: 'trap: the built Dockerfile is not in the tree: not called refused',
    files: { 'docker-compose.yml': COMPOSE('gunicorn app.wsgi --bind 0.0.0.0:8000') },
    refused: false,
  },
];

for (const c of REFUSED)
  test(`Traefik labels, a container exposing nothing: ${c.name}`, async () => {
    const { facts } = await lintFiles(c.files, []);
    const a = analyzeChain(facts);
    // No Traefik static configuration in these trees: the notes are the run's diagnostics.
    const notes = [
      ...(facts.proxies ?? []).flatMap((p) => p.sites.flatMap((s) => s.notes)),
      ...facts.diagnostics.map((d) => d.message),
    ];
    const said = notes.filter((n) => /router web \(docker-compose\.yml:\d+\) is not served: .*"port is missing"/.test(n));
    const links = a.topology.links.filter((l) => a.topology.proxies.some((p) => p.kind === 'traefik' && p.id === l.fromHop));
    if (c.refused) {
      assert.equal(said.length, 1, notes.join('\n'));
      assert.equal(links.length, 0, JSON.stringify(links.map((l) => l.target)));
    } else {
      assert.equal(said.length, 0, notes.join('\n'));
      assert.ok(links.length > 0, 'the router is linked');
    }
  });
