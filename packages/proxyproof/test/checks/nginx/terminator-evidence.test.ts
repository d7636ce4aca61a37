/**
 * terminatorEvidence (checks/nginx/common.ts) computes the deployment's part (fronts, other proxies, compose proxy
 * services, a Kubernetes TLS entry, a Dockerfile that installs nginx) once per facts. The answers must stay those
 * of the facts as they are at each ask: a table of deployments, each judged on a fresh facts object and on one
 * facts object whose members are replaced one after another (as the engine replaces `fronts` for `--front`).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { terminatorEvidence } from '../../../src/checks/nginx/common.js';
import { nginxModel } from '../../../src/facts/nginx/index.js';
import type { Facts } from '../../../src/model/facts.js';
import type { FrontFacts } from '../../../src/model/proxy.js';
import { factsFromText } from './harness.js';

const CONFIG =
  'server {\n  listen 8080;\n  location / {\n    proxy_set_header X-Forwarded-Proto $scheme;\n    proxy_pass http://app;\n  }\n}';

const albFront: FrontFacts = {
  name: 'aws-alb',
  origin: 'declared',
  evidence: [{ file: '(--front)', line: 0 }],
  terminatesTls: true,
  sends: ['X-Forwarded-Proto'],
  ranges: [],
  why: 'declared',
};

/** What each deployment adds to the facts of CONFIG, and what terminatorEvidence answers for its server. */
const CASES: Array<{ name: string; add: (f: Facts) => void; expect: string | undefined }> = [
  { name: 'nothing in the files ends TLS', add: () => {}, expect: undefined },
  { name: 'a declared TLS front', add: (f) => (f.fronts = [albFront]), expect: 'aws-alb, which ends TLS' },
  {
    // Trap: a front that does not end TLS (an L4 balancer) is no TLS end.
    name: 'a front that does not end TLS',
    add: (f) => (f.fronts = [{ ...albFront, name: 'aws-nlb', terminatesTls: false }]),
    expect: undefined,
  },
  {
    // Trap: `--front none` says there is no front.
    name: '--front none',
    add: (f) => (f.fronts = [{ ...albFront, name: 'none' }]),
    expect: undefined,
  },
  {
    name: 'a Dockerfile that installs nginx',
    add: (f) => f.sources.set('Dockerfile', ['FROM debian:12', 'RUN apt-get update && apt-get install -y nginx']),
    expect: 'whatever ends TLS in front of this container (nothing in these files does)',
  },
  {
    // Trap: a Dockerfile that does not install nginx.
    name: 'a Dockerfile of the app only',
    add: (f) => f.sources.set('Dockerfile', ['FROM python:3.12', 'RUN pip install gunicorn']),
    expect: undefined,
  },
];

const whatOf = (facts: Facts): string | undefined => {
  const server = nginxModel(facts).servers[0];
  assert.ok(server);
  return terminatorEvidence(facts, server, false)?.what;
};

for (const c of CASES) {
  test(`terminatorEvidence, fresh facts: ${c.name}`, () => {
    const facts = factsFromText(CONFIG);
    c.add(facts);
    assert.equal(whatOf(facts), c.expect);
  });
}

test('terminatorEvidence follows the facts when their members are replaced after a first ask', () => {
  const facts = factsFromText(CONFIG);
  assert.equal(whatOf(facts), undefined);
  for (const c of CASES) {
    // Replaced, not edited in place: as the engine does (facts.fronts for --front) and as a new collector run would.
    facts.fronts = undefined;
    facts.sources = new Map([...facts.sources].filter(([file]) => file !== 'Dockerfile'));
    c.add(facts);
    assert.equal(whatOf(facts), c.expect, c.name);
  }
});

test('terminatorEvidence reads a Dockerfile set in place after a first ask, and its new lines when set again', () => {
  const facts = factsFromText(CONFIG);
  assert.equal(whatOf(facts), undefined);
  facts.sources.set('Dockerfile', ['FROM nginx:1.27']);
  assert.equal(whatOf(facts), 'whatever ends TLS in front of this container (nothing in these files does)');
  facts.sources.set('Dockerfile', ['FROM python:3.12']);
  assert.equal(whatOf(facts), undefined);
});
