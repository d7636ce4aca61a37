// A Go app (Gin, Echo, chi) as a chain hop in compose (collectors/golang/server.ts): a service built from a Dockerfile
// that compiles Go, whose build context holds the app, runs its server; the port read from the environment
// (Gin's `r.Run()`: :$PORT, else :8080 — gin utils.go resolveAddress; `os.Getenv("PORT")` with the file's fallback)
// comes from the service's environment / env_file; what the files do not fix stays unknown, said.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nginxTlsProxy } from '../checks/app/fixtures.js';
import { lintFiles } from '../python/lint-files.js';
import { echoMain, goMain } from './go-sources.js';

const GO_DOCKERFILE = [
  'FROM golang:1.22 AS build',
  'WORKDIR /src',
  'COPY . .',
  'RUN go build -o main .',
  'FROM alpine',
  'COPY --from=build /src/main .',
  'CMD ["./main"]',
  '',
].join('\n');

const ginMain = (body: string[]) =>
  goMain('github.com/gin-gonic/gin', ['r := gin.Default()', '_ = r.SetTrustedProxies([]string{"172.16.0.0/12"})', ...body]);

const echoApp = (body: string[]) => echoMain(['e := echo.New()', 'e.IPExtractor = echo.ExtractIPFromXFFHeader()', ...body]);

const NGINX = (upstream: string) =>
  nginxTlsProxy(upstream, 'example.com', ['ssl_certificate /etc/ssl/c.pem;', 'ssl_certificate_key /etc/ssl/k.pem;']);

const compose = (api: string[]) =>
  [
    'services:',
    '  api:',
    ...api.map((l) => `    ${l}`),
    '  nginx:',
    '    image: nginx:1.25',
    '    ports:',
    '      - "443:443"',
    '    volumes:',
    '      - ./nginx:/etc/nginx/conf.d',
    '',
  ].join('\n');

interface Row {
  name: string;
  files: Record<string, string>;
  /** The Go servers' `service host:port` (port '?' when unknown). */
  servers: string[];
  /** Whether nginx's route is left unlinked (chain/link-unresolved), and a fragment of its message. */
  unresolved?: RegExp;
}

const ROWS: Row[] = [
  {
    name: "Gin r.Run() with PORT from the service's environment: linked on that port",
    files: {
      'api/go.mod': 'module example.com/api\n',
      'api/main.go': ginMain(['r.Run()']),
      'api/Dockerfile': GO_DOCKERFILE,
      'docker-compose.yml': compose(['build: ./api', 'environment:', '  - PORT=3000']),
      'nginx/app.conf': NGINX('api:3000'),
    },
    servers: ['api 0.0.0.0:3000'],
  },
  {
    name: 'Gin r.Run() with PORT unset: Gin’s :8080',
    files: {
      'api/main.go': ginMain(['r.Run()']),
      'api/Dockerfile': GO_DOCKERFILE,
      'docker-compose.yml': compose(['build: ./api']),
      'nginx/app.conf': NGINX('api:8080'),
    },
    servers: ['api 0.0.0.0:8080'],
  },
  {
    name: 'Echo e.Start(":" + port) from os.Getenv with a fallback, PORT set by an env_file of the tree',
    files: {
      'src/main.go': echoApp(['port := os.Getenv("PORT")', 'if port == "" {', '\tport = "8080"', '}', 'e.Start(":" + port)']),
      'docker/app/Dockerfile': GO_DOCKERFILE,
      'docker/app/local.env': 'PORT=9000\n',
      'docker-compose.yml': compose([
        'build:',
        '  context: .',
        '  dockerfile: ./docker/app/Dockerfile',
        'env_file:',
        '  - ./docker/app/local.env',
      ]),
      'nginx/app.conf': NGINX('api:9000'),
    },
    servers: ['api 0.0.0.0:9000'],
  },
  {
    name: 'unknown: PORT may come from an env_file the tree does not hold (.env is ignored by git)',
    files: {
      'api/main.go': ginMain(['r.Run()']),
      'api/Dockerfile': GO_DOCKERFILE,
      'docker-compose.yml': compose(['build: ./api', 'env_file:', '  - ./.env']),
      'nginx/app.conf': NGINX('api:3000'),
    },
    servers: ['api ?'],
    unresolved: /whose port these files do not fix/,
  },
  {
    name: 'unknown: an address from a config library (viper) is not guessed',
    files: {
      'api/main.go': ginMain(['r.Run(config.ServerAddr())']),
      'api/Dockerfile': GO_DOCKERFILE,
      'docker-compose.yml': compose(['build: ./api']),
      'nginx/app.conf': NGINX('api:8000'),
    },
    servers: ['api ?'],
    unresolved: /listen address at api\/main\.go:12\), whose port these files do not fix/,
  },
  {
    name: 'trap: a service built from the same context by a non-Go Dockerfile does not run the Go app',
    files: {
      'main.go': ginMain(['r.Run(":8080")']),
      Dockerfile: 'FROM nginx:1.25\nCOPY nginx /etc/nginx/conf.d\n',
      'docker-compose.yml': compose(['build: .']),
      'nginx/app.conf': NGINX('api:8080'),
    },
    servers: [],
    unresolved: /no app server command was found/,
  },
  {
    name: 'trap: a tracer’s Start(ctx, ...) is no listener; the engine’s own Start is',
    files: {
      'api/main.go': echoApp(['tracer.Start(ctx, "db:query")', 'e.Start(addrFromFlags())']),
      'api/Dockerfile': GO_DOCKERFILE,
      'docker-compose.yml': compose(['build: ./api']),
      'nginx/app.conf': NGINX('api:8000'),
    },
    servers: ['api ?'],
    unresolved: /listen address at api\/main\.go:13\)/,
  },
];

for (const row of ROWS)
  test(`go compose server: ${row.name}`, async () => {
    const { facts, findings } = await lintFiles(row.files);
    const go = facts.appServers.filter((s) => s.name === 'go');
    assert.deepEqual(
      go.map((s) => `${s.service} ${s.binds.map((b) => (b.port === undefined ? '?' : `${b.host}:${b.port}`)).join(',')}`),
      row.servers,
    );
    const unresolved = findings.filter((f) => f.id === 'chain/link-unresolved');
    if (row.unresolved) {
      assert.equal(unresolved.length, 1, JSON.stringify(unresolved.map((f) => f.message)));
      assert.match(unresolved[0]?.message ?? '', row.unresolved);
    } else assert.deepEqual(unresolved, []);
  });

test('valid (trap): a Gin app that reads no scheme, behind a proxy that sends X-Forwarded-Proto: the loss is a low lead', async () => {
  const { findings } = await lintFiles(ROWS[0]?.files as Record<string, string>);
  const lost = findings.filter((f) => f.id === 'chain/scheme-lost');
  assert.deepEqual(
    lost.map((f) => f.severity),
    ['low'],
  );
  assert.match(lost[0]?.message ?? '', /Gin itself reads no scheme/);
});

test('invalid: Echo with HTTPSRedirect() behind a proxy that drops the scheme: linked, so the loop is seen (CRITICAL)', async () => {
  const files = {
    'api/main.go': echoApp(['e.Pre(middleware.HTTPSRedirect())', 'e.Start(":8080")']),
    'api/Dockerfile': GO_DOCKERFILE,
    'docker-compose.yml': compose(['build: ./api']),
    'nginx/app.conf': NGINX('api:8080').replace('        proxy_set_header X-Forwarded-Proto $scheme;\n', ''),
  };
  const { facts, findings, analysis } = await lintFiles(files);
  assert.deepEqual(
    facts.appServers.filter((s) => s.name === 'go').map((s) => s.service),
    ['api'],
  );
  assert.equal(analysis.chain.verdict.routes[0]?.redirect?.loop, true);
  assert.deepEqual(
    findings.filter((f) => f.id === 'nginx/forwarded-proto-missing').map((f) => f.severity),
    ['critical'],
  );
});

test('a Go framework never runs on a Python server, nor a Python one on the Go server', async () => {
  const { analysis } = await lintFiles({
    ...(ROWS[0]?.files as Record<string, string>),
    'web/Procfile': 'web: gunicorn app:app --bind 0.0.0.0:8000\n',
  });
  const apps = analysis.chain.topology.apps.map((a) => `${a.label.split(' ')[0]}: ${a.framework?.label ?? '-'}`);
  assert.deepEqual(apps.sort(), ['go: Gin', 'gunicorn: -']);
});
