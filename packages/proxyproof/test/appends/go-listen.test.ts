// Go listen addresses that are not a literal at the call (collectors/golang/addr.ts) and one Echo/chi app per Go
// package (collectors/golang/collector.ts appGroups). Go's net.Listen reads `host:port`, an empty host meaning every
// interface; a value is followed only through the file's own assignments, never guessed.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { goListenAddr, listenArg } from '../../src/collectors/golang/addr.js';
import { lintFiles } from '../python/lint-files.js';
import { echoMain } from './go-sources.js';

/** The first listen address found in `lines` (a Go function body), as `host:port (note)`. */
function addrIn(kind: 'echo' | 'http' | 'gin', lines: string[]): string | undefined {
  for (let i = 0; i < lines.length; i++) {
    const arg = listenArg(lines, i, kind);
    const a = arg === undefined ? undefined : goListenAddr(arg, lines, i, 'main.go');
    if (a) return `${a.host}:${a.port ?? '?'}${a.note ? ` (${a.note})` : ''}`;
  }
  return undefined;
}

const TABLE: Array<[string, 'echo' | 'http' | 'gin', string[], string | undefined]> = [
  ['literal Start', 'echo', ['e.Start("127.0.0.1:1323")'], '127.0.0.1:1323'],
  ['StartTLS: the first argument', 'echo', ['e.Logger.Fatal(e.StartTLS(":443", "cert.pem", "key.pem"))'], ':443'],
  ['a variable assigned earlier', 'echo', ['addr := ":8080"', 'e.Logger.Fatal(e.Start(addr))'], ':8080 (addr (main.go:1))'],
  [
    'PORT with the file’s fallback',
    'echo',
    ['port := os.Getenv("PORT")', 'if port == "" {', '\tport = "1323"', '}', 'e.Start(":" + port)'],
    ':? (port from PORT (main.go:1), 1323 when unset (main.go:3))',
  ],
  [
    'fmt.Sprintf of a constant',
    'echo',
    ['const port = 8080', 'e.Start(fmt.Sprintf("127.0.0.1:%d", port))'],
    '127.0.0.1:8080 (port (main.go:1))',
  ],
  ['e.Server.Addr', 'echo', ['e.Server.Addr = ":9000"', 'e.StartServer(e.Server)'], ':9000'],
  [
    'http.Server literal, Addr on its own line',
    'http',
    ['srv := &http.Server{', '\tAddr:    ":3000",', '\tHandler: r,', '}'],
    ':3000',
  ],
  ['http.Server literal on one line', 'http', ['srv := &http.Server{Addr: "0.0.0.0:4000", Handler: r}'], '0.0.0.0:4000'],
  [
    'Gin Run of a package-level var',
    'gin',
    ['var listen = "127.0.0.1:8081"', 'r.Run(listen)'],
    '127.0.0.1:8081 (listen (main.go:1))',
  ],
  // unknown: nothing guessed
  ['PORT without a fallback', 'echo', ['port := os.Getenv("PORT")', 'e.Start(":" + port)'], undefined],
  ['a config struct field', 'http', ['srv := &http.Server{', '\tAddr: fmt.Sprintf(":%d", cfg.Port),', '}'], undefined],
  // traps
  [
    'trap: a redis client’s Addr is no listener',
    'http',
    ['rdb := redis.NewClient(&redis.Options{', '\tAddr: "localhost:6379",', '})'],
    undefined,
  ],
  [
    'trap: an Addr after the http.Server literal closed',
    'http',
    ['srv := &http.Server{Handler: r}', 'opts := Options{', '\tAddr: ":7000",', '}'],
    undefined,
  ],
  ['trap: a tracer’s Start(ctx, ...)', 'echo', ['ctx := context.Background()', 'tracer.Start(ctx, "db:query")'], undefined],
  [
    'trap: a comparison is not an assignment',
    'echo',
    ['if addr == ":1" {', '}', 'addr := ":2"', 'e.Start(addr)'],
    ':2 (addr (main.go:3))',
  ],
];

for (const [name, kind, lines, want] of TABLE) test(`goListenAddr: ${name}`, () => assert.equal(addrIn(kind, lines), want));

test('invalid: two Echo services in one tree, only one with an IPExtractor: the other is its own app end, HIGH', async () => {
  const { facts, findings } = await lintFiles({
    'go.mod': 'module example.com/svc\n\ngo 1.22\n',
    'cmd/admin/main.go': echoMain([
      'e := echo.New()',
      'e.IPExtractor = echo.ExtractIPFromXFFHeader()',
      'e.Server.Addr = "127.0.0.1:9090"',
      'e.Logger.Fatal(e.StartServer(e.Server))',
    ]),
    'cmd/api/main.go': echoMain([
      'e := echo.New()',
      'port := os.Getenv("PORT")',
      'if port == "" {',
      '\tport = "8080"',
      '}',
      'e.POST("/login", handler.Login)',
      'e.Logger.Fatal(e.Start(":" + port))',
    ]),
    'internal/handler/login.go':
      'package handler\n\nimport "github.com/labstack/echo/v4"\n\nfunc Login(c echo.Context) error {\n\tlimiter.Allow(c.RealIP())\n\treturn nil\n}\n',
  });
  const echos = facts.frameworks.filter((f) => f.kind === 'echo');
  assert.deepEqual(
    echos.map((f) => [f.file, f.appEnd?.clientHeaders, f.appEnd?.binds?.map((b) => `${b.host}:${b.port}:${b.exposure}`)]),
    [
      ['cmd/admin/main.go', ['x-forwarded-for'], ['127.0.0.1:9090:loopback']],
      ['cmd/api/main.go', ['x-forwarded-for', 'x-real-ip'], ['0.0.0.0:undefined:all-interfaces']],
    ],
  );
  const api = echos[1]?.appEnd;
  assert.ok(
    api?.notes?.some((n) => /c\.RealIP\(\) used at internal\/handler\/login\.go:6/.test(n)),
    JSON.stringify(api?.notes),
  );
  assert.ok(
    api?.notes?.some((n) => /port from PORT \(cmd\/api\/main\.go:11\), 8080 when unset/.test(n)),
    JSON.stringify(api?.notes),
  );
  const trustAll = findings.filter((f) => f.id === 'app/trust-all');
  assert.deepEqual(
    trustAll.map((f) => [f.severity, f.evidence[0]?.file, f.evidence[0]?.line]),
    [['high', 'cmd/api/main.go', 10]],
  );
  assert.ok(
    trustAll[0]?.evidence.some((e) => e.file === 'cmd/api/main.go' && e.line === 16 && /every interface/.test(e.note ?? '')),
  );
});

test('valid (trap): the same two services when both set an IPExtractor: no trust-all finding for either', async () => {
  const both = (addr: string) =>
    echoMain(['e := echo.New()', 'e.IPExtractor = echo.ExtractIPFromXFFHeader()', `e.Logger.Fatal(e.Start("${addr}"))`]);
  const { facts, findings } = await lintFiles({
    'cmd/admin/main.go': both('127.0.0.1:9090'),
    'cmd/api/main.go': both(':8080'),
  });
  assert.equal(facts.frameworks.filter((f) => f.kind === 'echo').length, 2);
  assert.deepEqual(
    findings.filter((f) => f.id === 'app/trust-all'),
    [],
  );
});

test('chi: one app per package with RealIP; its http.Server literal’s Addr is the bind; a redis Addr is not', async () => {
  const chiMain = (use: string, addr: string) =>
    [
      'package main',
      '',
      'import (',
      '\t"net/http"',
      '',
      '\t"github.com/go-chi/chi/v5"',
      '\t"github.com/go-chi/chi/v5/middleware"',
      ')',
      '',
      'func main() {',
      '\trdb := redis.NewClient(&redis.Options{',
      '\t\tAddr: "localhost:6379",',
      '\t})',
      '\tr := chi.NewRouter()',
      `\t${use}`,
      '\tsrv := &http.Server{',
      `\t\tAddr:    "${addr}",`,
      '\t\tHandler: r,',
      '\t}',
      '\tsrv.ListenAndServe()',
      '}',
      '',
    ].join('\n');
  const { facts } = await lintFiles({
    'gateway/main.go': chiMain('r.Use(middleware.RealIP)', ':3000'),
    'worker/main.go': chiMain('r.Use(middleware.Logger)', '127.0.0.1:3001'),
  });
  const chis = facts.frameworks.filter((f) => f.kind === 'chi');
  assert.deepEqual(
    chis.map((f) => [f.file, f.appEnd?.ref.line, f.appEnd?.binds?.map((b) => `${b.host}:${b.port}`)]),
    [['gateway/main.go', 15, ['0.0.0.0:3000']]],
  );
});
