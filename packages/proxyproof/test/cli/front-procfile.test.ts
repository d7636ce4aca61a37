/**
 * Which front a Procfile means (collectors/front): Elastic Beanstalk and a Terraform ALB win over a bare Procfile
 * (Beanstalk's platforms read the same file), Heroku's own manifests (`app.json`, `heroku.yml`) make it Heroku, and a
 * Procfile alone is still a Heroku-style router but says it is weak evidence. Run through the built CLI (`npm run
 * build` first): lint's front finding and doctor's chain must name the same front.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runCli } from '../helpers.js';
import { scratchTrees } from '../scratch-trees.js';

const PROCFILE = 'web: gunicorn -b 0.0.0.0:8000 app:app\n';
const FLASK = 'from flask import Flask\napp = Flask(__name__)\n';
const EB_LB = 'option_settings:\n  aws:elasticbeanstalk:environment:\n    LoadBalancerType: application\n';
const ALB_TF = `resource "aws_lb" "x" {
  load_balancer_type = "application"
}
resource "aws_lb_listener" "h" {
  load_balancer_arn = aws_lb.x.arn
  port = 443
  protocol = "HTTPS"
}
`;

const tree = scratchTrees('proxyproof-procfile-');

interface Json {
  findings: Array<{ id: string; message: string; evidence: Array<{ file: string; line: number }> }>;
  doctor?: { topology: { entries: Array<{ hopId?: string }> } };
}

function run(command: 'lint' | 'doctor', dir: string): Json {
  const r = runCli([command, '.', '--format', 'json'], { cwd: dir });
  assert.equal(r.stderr, '', `no error expected: ${r.stderr}`);
  return JSON.parse(r.stdout) as Json;
}

const cases: Array<{
  name: string;
  files: Record<string, string>;
  /** The fronts lint reports (`front/tls-ends-at-front`), by the file their evidence names. */
  fronts: string[];
  /** The front hop doctor's chain starts with. */
  hop: string;
  weak?: boolean;
}> = [
  {
    name: 'invalid before: Beanstalk .ebextensions + Procfile was also read as Heroku (two fronts)',
    files: { Procfile: PROCFILE, '.ebextensions/lb.config': EB_LB, 'app.py': FLASK },
    fronts: ['.ebextensions/lb.config'],
    hop: 'front:aws-alb',
  },
  {
    name: 'invalid before: one Beanstalk environment with two .config files was two fronts',
    files: {
      Procfile: PROCFILE,
      '.ebextensions/01-lb.config': EB_LB,
      '.ebextensions/02-env.config': 'option_settings:\n  aws:elasticbeanstalk:application:environment:\n    A: b\n',
      'app.py': FLASK,
    },
    fronts: ['.ebextensions/01-lb.config'],
    hop: 'front:aws-alb',
  },
  {
    name: 'invalid before: Beanstalk .platform (Amazon Linux 2) + Procfile',
    files: { Procfile: PROCFILE, '.platform/hooks/prebuild/01.sh': '#!/bin/sh\ntrue\n', 'app.py': FLASK },
    fronts: ['.platform/hooks/prebuild/01.sh'],
    hop: 'front:aws-alb',
  },
  {
    name: 'invalid before: a Terraform ALB ending TLS + a bare Procfile',
    files: { Procfile: PROCFILE, 'main.tf': ALB_TF, 'app.py': FLASK },
    fronts: ['main.tf'],
    hop: 'front:aws-alb',
  },
  // Heroku's own manifests beside the Procfile: a Heroku app, no weak-evidence note.
  ...Object.entries({ 'app.json': '{ "name": "x" }\n', 'heroku.yml': 'build:\n  docker:\n    web: Dockerfile\n' }).map(
    ([manifest, text]) => ({
      name: `valid: Procfile + ${manifest} is a Heroku app`,
      files: { Procfile: PROCFILE, [manifest]: text, 'app.py': FLASK },
      fronts: ['Procfile'],
      hop: 'front:heroku',
      weak: false,
    }),
  ),
  {
    name: 'trap: a Procfile alone is still a Heroku-style router, said to be weak evidence',
    files: { Procfile: PROCFILE, 'app.py': FLASK },
    fronts: ['Procfile'],
    hop: 'front:heroku',
    weak: true,
  },
];

describe('a Procfile among other fronts', () => {
  for (const c of cases)
    it(c.name, () => {
      const dir = tree(String(cases.indexOf(c)), c.files);
      const lint = run('lint', dir);
      const fronts = lint.findings.filter((f) => f.id === 'front/tls-ends-at-front');
      assert.deepEqual(
        fronts.map((f) => f.evidence[0]?.file),
        c.fronts,
      );
      if (c.weak !== undefined) assert.equal(/weak evidence/.test(fronts[0]?.message ?? ''), c.weak, fronts[0]?.message);
      const doctor = run('doctor', dir);
      assert.deepEqual(
        doctor.doctor?.topology.entries.map((e) => e.hopId),
        [c.hop],
      );
    });
});
