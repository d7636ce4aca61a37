// Which ForwardedHeadersOptions the middleware uses (collectors/dotnet/collector.ts):
// - `app.UseForwardedHeaders(options)` wraps that object (aspnetcore src/Middleware/HttpOverrides/src/
//   ForwardedHeadersExtensions.cs: `UseMiddleware<ForwardedHeadersMiddleware>(Options.Create(options))`), so the
//   DI options of `Configure<ForwardedHeadersOptions>(...)` change nothing; `app.UseForwardedHeaders()` uses them.
// - `KnownProxies.Add(Dns.GetHostEntry("nginx").AddressList[0])` trusts the address `nginx` has when the app starts:
//   an address the files do not say, not an entry named "nginx".
// Held-out trial: Yousif-FJ/CacheBustingBehaviorWithNginx@6f30ac2 (both at once) was reported as "trusts only nginx".
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lintFiles } from '../python/lint-files.js';

const CONFIGURE = (add: string) =>
  `builder.Services.Configure<ForwardedHeadersOptions>(options =>\n{\n    options.${add};\n});\n`;
const program = (configure: string, use: string) =>
  `using System.Net;\nvar builder = WebApplication.CreateBuilder(args);\n${configure}var app = builder.Build();\n${use}\napp.Run();\n`;
const EXPLICIT =
  'app.UseForwardedHeaders(new ForwardedHeadersOptions\n{\n    ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto\n});';
const NGINX =
  'server {\n  listen 443 ssl;\n  server_name api.example.com;\n  ssl_certificate /c.pem;\n  ssl_certificate_key /c.key;\n  location / {\n    proxy_pass http://app:8080;\n    proxy_set_header Host $host;\n    proxy_set_header X-Forwarded-Proto $scheme;\n    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n  }\n}\n';
const COMPOSE =
  'services:\n  nginx:\n    image: nginx:1.25\n    ports: ["443:443"]\n    volumes: ["./nginx.conf:/etc/nginx/conf.d/default.conf"]\n  app:\n    build: ./src\n';

async function aspnet(programCs: string) {
  const { facts, findings } = await lintFiles({
    'src/Program.cs': programCs,
    'src/Dockerfile': 'FROM mcr.microsoft.com/dotnet/aspnet:8.0\nENTRYPOINT ["dotnet", "App.dll"]\n',
    'docker-compose.yml': COMPOSE,
    'nginx.conf': NGINX,
  });
  const a = facts.frameworks.find((f) => f.kind === 'aspnet')?.appEnd;
  return {
    trust: [a?.trustScheme.value, a?.trustScheme.origin, a?.trustScheme.ref?.line],
    note: a?.trustScheme.note ?? '',
    notTrusted: findings.filter((f) => f.id === 'app/proxy-not-trusted').map((f) => `${f.severity} ${f.evidence[0]?.line}`),
  };
}

test('invalid: UseForwardedHeaders(new options) ignores Configure<ForwardedHeadersOptions>: loopback only, said', async () => {
  const r = await aspnet(program(CONFIGURE('KnownNetworks.Add(new IPNetwork(IPAddress.Parse("172.16.0.0"), 12))'), EXPLICIT));
  assert.deepEqual(r.trust, [['127.0.0.0/8', '::1'], 'default', 8]);
  assert.match(
    r.note,
    /UseForwardedHeaders is given its own options \(src\/Program\.cs:8\), so Configure<ForwardedHeadersOptions> \(src\/Program\.cs:5\) does not apply/,
  );
  assert.deepEqual(r.notTrusted, ['high 8']);
});

test('valid (trap): UseForwardedHeaders() with no argument uses the Configure<> options', async () => {
  const r = await aspnet(
    program(CONFIGURE('KnownNetworks.Add(new IPNetwork(IPAddress.Parse("172.16.0.0"), 12))'), 'app.UseForwardedHeaders();'),
  );
  assert.deepEqual(r.trust, [['172.16.0.0/12'], 'literal', 5]);
  assert.deepEqual(r.notTrusted, []);
});

test('valid (trap): Dns.GetHostEntry("nginx") trusts what nginx resolves to at start-up: unknown, not a name', async () => {
  const r = await aspnet(
    program(CONFIGURE('KnownProxies.Add(Dns.GetHostEntry("nginx").AddressList.First())'), 'app.UseForwardedHeaders();'),
  );
  assert.deepEqual(r.trust, [['(configured)'], 'unknown', 5]);
  assert.match(r.note, /the address of nginx looked up by DNS when the app starts/);
  assert.deepEqual(r.notTrusted, [], 'no "trusts only nginx" finding');
});

test('invalid: both at once (the held-out shape): the explicit options win, loopback only', async () => {
  const r = await aspnet(program(CONFIGURE('KnownProxies.Add(Dns.GetHostEntry("nginx").AddressList.First())'), EXPLICIT));
  assert.deepEqual(r.trust, [['127.0.0.0/8', '::1'], 'default', 8]);
  assert.deepEqual(r.notTrusted, ['high 8']);
});

test('valid (trap): an options object of its own with its own list, passed to UseForwardedHeaders(o): that list', async () => {
  const r = await aspnet(
    program(
      '',
      'var o = new ForwardedHeadersOptions { ForwardedHeaders = ForwardedHeaders.All };\no.KnownNetworks.Add(new IPNetwork(IPAddress.Parse("172.16.0.0"), 12));\napp.UseForwardedHeaders(o);',
    ),
  );
  assert.deepEqual(r.trust, [['172.16.0.0/12'], 'literal', 5]);
});

// ForwardLimit (ForwardedHeadersOptions, default 1; ForwardedHeadersMiddleware.ApplyForwarders): at most that many
// X-Forwarded-For entries are read from the right, so by default the client is the right-most entry (what the
// nearest proxy wrote), not the left-most one a client can write; an absent header leaves the peer.
const LIMIT_ROWS: Array<{ name: string; program: string; fromRight: number | undefined; note?: RegExp }> = [
  {
    name: 'default (no ForwardLimit): the right-most entry',
    program: program(
      CONFIGURE('KnownNetworks.Add(new IPNetwork(IPAddress.Parse("172.16.0.0"), 12))'),
      'app.UseForwardedHeaders();',
    ),
    fromRight: 1,
  },
  {
    name: 'ForwardLimit = null: the walk over trusted entries',
    program: program(CONFIGURE('ForwardLimit = null'), 'app.UseForwardedHeaders();'),
    fromRight: undefined,
  },
  {
    name: 'ForwardLimit = 2: not a fixed depth, said',
    program: program(CONFIGURE('ForwardLimit = 2'), 'app.UseForwardedHeaders();'),
    fromRight: undefined,
    note: /ForwardLimit = 2 \(src\/Program\.cs:5\): at most 2 X-Forwarded-For entries/,
  },
  {
    name: 'trap: no UseForwardedHeaders reads no header at all (no depth)',
    program: program('', 'app.MapGet("/", () => "ok");'),
    fromRight: undefined,
  },
];
for (const row of LIMIT_ROWS)
  test(`ForwardLimit: ${row.name}`, async () => {
    const { facts } = await lintFiles({
      'src/Program.cs': row.program,
      'src/Dockerfile': 'FROM mcr.microsoft.com/dotnet/aspnet:8.0\nENTRYPOINT ["dotnet", "App.dll"]\n',
      'docker-compose.yml': COMPOSE,
      'nginx.conf': NGINX,
    });
    const a = facts.frameworks.find((f) => f.kind === 'aspnet')?.appEnd;
    assert.equal(a?.clientFromRight, row.fromRight);
    assert.equal(a?.clientShortKeepsPeer, row.fromRight === 1 ? true : undefined);
    if (row.note)
      assert.ok(
        a?.notes?.some((n) => row.note?.test(n)),
        a?.notes?.join('\n'),
      );
  });
