/**
 * The lint checks by family, each loaded only when the facts hold what the family reads: a one-file nginx lint
 * loads the nginx checks, not the Django, Node or Kubernetes ones (issue 10: start-up). `checks/index.ts`
 * (ALL_CHECKS) stays the list of every check, in the same order, for the docs, SARIF rules and tests.
 * A family is skipped only when the slices of Facts it reads are all empty, so skipping never changes a finding
 * (test/engine/check-registry.test.ts runs every skipped family on every example and real-world case).
 */
import type { Check } from '../model/check.js';
import type { Facts } from '../model/facts.js';

export interface CheckFamily {
  name: string;
  needed(facts: Facts): boolean;
  load(): Promise<Check[]>;
}

const appSide = (f: Facts): boolean => f.frameworks.length > 0 || f.appServers.length > 0 || Boolean(f.compose?.files.length);
const proxySide = (f: Facts): boolean =>
  (f.proxies ?? []).length > 0 ||
  f.nginx.configs.length > 0 ||
  // proxy/client-ip-leftmost-spoofable reads nginx's neutral sites too (facts/proxy-configs.ts).
  (f.forwardedForReaders ?? []).length > 0 ||
  (f.fronts ?? []).length > 0 ||
  Boolean(f.kube && (f.kube.services.length || f.kube.ingressNginx.length));

/** In the order of ALL_CHECKS. */
export const CHECK_FAMILIES: CheckFamily[] = [
  { name: 'nginx', needed: (f) => f.nginx.configs.length > 0, load: async () => (await import('./nginx/index.js')).NGINX_CHECKS },
  { name: 'django', needed: appSide, load: async () => (await import('./django/index.js')).DJANGO_CHECKS },
  { name: 'appserver', needed: appSide, load: async () => (await import('./appserver/index.js')).APP_SERVER_CHECKS },
  { name: 'flask', needed: appSide, load: async () => (await import('./flask/index.js')).FLASK_CHECKS },
  { name: 'node', needed: appSide, load: async () => (await import('./node/index.js')).NODE_CHECKS },
  { name: 'deploy', needed: appSide, load: async () => (await import('./deploy/index.js')).DEPLOY_CHECKS },
  { name: 'proxy', needed: proxySide, load: async () => (await import('./proxy/index.js')).PROXY_CHECKS },
  { name: 'app', needed: appSide, load: async () => (await import('./app/index.js')).APP_CHECKS },
  { name: 'waitress', needed: appSide, load: async () => (await import('./waitress/index.js')).WAITRESS_CHECKS },
  { name: 'airflow', needed: () => true, load: async () => (await import('./airflow/index.js')).AIRFLOW_CHECKS },
];

/** The checks these facts need, families in ALL_CHECKS order. */
export async function checksFor(facts: Facts): Promise<Check[]> {
  const lists = await Promise.all(CHECK_FAMILIES.map((fam) => (fam.needed(facts) ? fam.load() : [])));
  return lists.flat();
}
