/**
 * The block of a settings module that configures the deployed environment: a top-level `if` whose test names
 * production, staging or a hosting platform's marker (`if ENVIRONMENT in ['Production', 'Staging']:`,
 * `if os.environ.get("ON_FLYIO"):`, `if not DEBUG:`). A setting the deployment needs (SECURE_PROXY_SSL_HEADER)
 * belongs there, next to the deployment's other settings, rather than at the end of the file where it would
 * also apply to local development. Pure text shapes: nothing is decided here (evaluate.ts decides branches).
 */
import type { SyntaxNode } from '@lezer/common';
import { type ParsedPython, position } from './evaluate.js';

/** Words of a test that selects the deployed environment. */
const DEPLOYED =
  /\b(?:prod|production|staging|stage|live|deploy|deployed|deployment)\b|\b(?:ON|IS|RUNNING_ON|USE)_(?:[A-Z0-9]+_)*(?:PROD|PRODUCTION|FLYIO|FLY|HEROKU|RENDER|RAILWAY|AWS|ECS|GCP|GAE|AZURE|K8S|KUBERNETES|DOCKER|SERVER|DEPLOY|DEPLOYED)\b|\b(?:DYNO|FLY_APP_NAME|RENDER|RAILWAY_ENVIRONMENT|K_SERVICE|GAE_ENV|WEBSITE_HOSTNAME|AWS_EXECUTION_ENV|KUBERNETES_SERVICE_HOST)\b/i;
/** Words of a test that selects a development or test environment. */
const DEVELOPMENT = /\b(?:dev|develop|development|local|localhost|test|testing|tests|ci|debug)\b/i;

/** The test, as written, selects the deployed environment (negated development tests included). */
export function selectsDeployment(test: string): boolean {
  const t = test.trim();
  if (/^not\s+(?:settings\.)?DEBUG$/.test(t)) return true;
  const dev = DEVELOPMENT.test(t);
  const deployed = DEPLOYED.test(t);
  if (deployed && !dev) return true;
  // `if ENVIRONMENT != 'development':`, `if env not in ('dev', 'test'):`
  return dev && !deployed && /!=|\bnot\s+in\b/.test(t) && !/\bor\b/.test(t);
}

/**
 * The first top-level `if` or `elif` branch of the module that selects the deployed environment: its line and test.
 * An `elif` counts: `if ENV == 'development': ... elif ENV == 'production':` is where such a module keeps its
 * production settings, and a later plain `if ENV == 'production':` around the database is not that place.
 */
export function deploymentBlock(p: ParsedPython): { line: number; test: string } | undefined {
  for (let n: SyntaxNode | null = p.tree.topNode.firstChild; n; n = n.nextSibling) {
    if (n.name !== 'IfStatement') continue;
    for (let kw: SyntaxNode | null = n.firstChild; kw; kw = kw.nextSibling) {
      if (kw.name !== 'if' && kw.name !== 'elif') continue;
      const test = kw.nextSibling;
      if (test?.nextSibling?.name !== 'Body') continue;
      const text = p.text.slice(test.from, test.to);
      if (selectsDeployment(text)) return { line: position(p, kw.from).line, test: text.replace(/\s+/g, ' ') };
    }
  }
  return undefined;
}
