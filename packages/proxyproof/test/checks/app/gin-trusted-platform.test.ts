/**
 * Gin's TrustedPlatform (gin v1.10.0 context.go ClientIP): the platform's header is returned first, from any peer,
 * before SetTrustedProxies is looked at; gin.go's constants: PlatformCloudflare = CF-Connecting-IP,
 * PlatformGoogleAppEngine = X-Appengine-Remote-Addr, PlatformFlyIO = Fly-Client-IP. Behind an nginx that passes the
 * client's own CF-Connecting-IP (no Cloudflare in front), c.ClientIP() is whatever the client wrote.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { doctorFiles } from '../../python/lint-files.js';

const MAIN = (lines: string[]) =>
  [
    'package main',
    '',
    'import "github.com/gin-gonic/gin"',
    '',
    'func main() {',
    '\tr := gin.New()',
    '\tr.SetTrustedProxies([]string{"172.16.0.0/12"})',
    ...lines.map((l) => `\t${l}`),
    '\tr.POST("/login", func(c *gin.Context) { limiter.Allow(c.ClientIP()) })',
    '\tr.Run(":8080")',
    '}',
    '',
  ].join('\n');
const tree = (lines: string[]) => ({
  'api/main.go': MAIN(lines),
  'api/go.mod': 'module example.com/api\n\ngo 1.22\n\nrequire github.com/gin-gonic/gin v1.10.0\n',
  'api/Dockerfile':
    'FROM golang:1.22 AS build\nWORKDIR /src\nCOPY . .\nRUN go build -o /api .\nFROM debian:12-slim\nCOPY --from=build /api /api\nCMD ["/api"]\n',
  'docker-compose.yml':
    'services:\n  proxy:\n    image: nginx:1.27\n    ports:\n      - "443:443"\n    volumes:\n      - ./nginx/site.conf:/etc/nginx/conf.d/default.conf:ro\n  api:\n    build: ./api\n',
  'nginx/site.conf':
    'server {\n    listen 443 ssl;\n    server_name api.example.org;\n    location / {\n        proxy_pass http://api:8080;\n        proxy_set_header Host $host;\n        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n        proxy_set_header X-Forwarded-Proto $scheme;\n    }\n}\n',
});

const rows: Array<{ name: string; lines: string[]; header?: string; spoofLine?: number }> = [
  {
    name: 'invalid: r.TrustedPlatform = gin.PlatformCloudflare behind nginx: CF-Connecting-IP from anyone',
    lines: ['r.TrustedPlatform = gin.PlatformCloudflare'],
    header: 'cf-connecting-ip',
    spoofLine: 8,
  },
  {
    name: 'invalid: gin.PlatformFlyIO',
    lines: ['r.TrustedPlatform = gin.PlatformFlyIO'],
    header: 'fly-client-ip',
    spoofLine: 8,
  },
  {
    name: 'valid (control): no TrustedPlatform: X-Forwarded-For walked from nginx, which appends the real peer',
    lines: [],
  },
  {
    name: 'read: a header named as a string literal (not forged by the simulation: the header is still recorded)',
    lines: ['r.TrustedPlatform = "X-Client-IP"'],
    header: 'x-client-ip',
  },
];

for (const r of rows)
  test(`Gin TrustedPlatform: ${r.name}`, async () => {
    const { analysis, facts } = await doctorFiles(tree(r.lines));
    const gin = facts.frameworks.find((f) => f.kind === 'gin');
    assert.equal(gin?.appEnd?.clientPlatformHeader?.header, r.header);
    const route = analysis.verdict.routes[0];
    const client = route?.spoofable.find((s) => s.what.includes('client'));
    if (r.spoofLine !== undefined) {
      assert.ok(client, JSON.stringify(route?.spoofable.map((s) => s.what)));
      assert.equal(client.ref?.line, r.spoofLine);
      assert.equal(client.ref?.file, 'api/main.go');
    } else if (!r.header) assert.equal(client, undefined);
  });
