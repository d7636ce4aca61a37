/**
 * collectors/node/request-reads.ts: where a Node app's code reads the request's host or scheme, and whether the read
 * goes through the trust setting (`via: 'trust'`) or takes a header as it arrived (`via: 'header'`). Valid, invalid
 * and trap lines.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { requestReads } from '../../src/collectors/node/request-reads.js';

const CASES: Array<{ name: string; line: string; want: string[] }> = [
  {
    name: 'Express req.hostname in a link',
    line: 'const u = `${req.protocol}://${req.hostname}/reset`;',
    want: ['host trust req.hostname', 'scheme trust req.protocol'],
  },
  { name: 'Express req.secure', line: 'if (!req.secure) return res.redirect(301, "/x");', want: ['scheme trust req.secure'] },
  { name: 'Fastify request.hostname', line: 'reply.send({ host: request.hostname });', want: ['host trust request.hostname'] },
  {
    name: 'Koa ctx.origin (host and scheme)',
    line: 'ctx.body = ctx.origin + "/cb";',
    want: ['host trust ctx.origin', 'scheme trust ctx.origin'],
  },
  {
    name: 'Koa ctx.request.href',
    line: 'log(ctx.request.href);',
    want: ['host trust ctx.request.href', 'scheme trust ctx.request.href'],
  },
  { name: "raw Host header (req.get('host'))", line: "const h = req.get('host');", want: ["host header req.get('host')"] },
  { name: 'raw Host header (req.headers.host)', line: 'const h = req.headers.host;', want: ['host header req.headers.host'] },
  {
    name: 'X-Forwarded-Proto read by hand',
    line: "const p = req.headers['x-forwarded-proto'];",
    want: ["scheme header req.headers['x-forwarded-proto']"],
  },
  {
    name: 'passport relative callbackURL',
    line: "  callbackURL: '/auth/github/callback',",
    want: ["host trust callbackURL: '/", "scheme trust callbackURL: '/"],
  },
  {
    name: 'trap: absolute callbackURL from config',
    line: '  callbackURL: `https://${hostname}/api/auth/discord/callback`,',
    want: [],
  },
  { name: 'trap: URL object hostname, not the request', line: 'const h = new URL(conf.base).hostname;', want: [] },
  { name: 'trap: an assignment (test double) is not a read', line: "req.hostname = 'a.test';", want: [] },
  { name: 'trap: a comment line', line: '// req.hostname is the X-Forwarded-Host when trusted', want: [] },
  {
    name: 'trap: another object named like a request field',
    line: 'const p = server.protocol; const s = opts.secure;',
    want: [],
  },
];

describe('Node request reads', () => {
  for (const c of CASES) {
    test(c.name, () => {
      const got = requestReads(`function h(req, res, ctx, request) {}\n${c.line}\n`, 'a.js').map(
        (r) => `${r.kind} ${r.via} ${r.what}`,
      );
      assert.deepEqual(got, c.want);
    });
  }

  test('lines are 1-based in the file and bounded per file', () => {
    const text = `${Array.from({ length: 12 }, () => 'x(req.hostname);').join('\n')}\n`;
    const got = requestReads(text, 'r.js');
    assert.equal(got.length, 5);
    assert.deepEqual(
      got.map((r) => r.ref.line),
      [1, 2, 3, 4, 5],
    );
  });
});
