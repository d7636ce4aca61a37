/**
 * Every check, by family. A new check: one file in `checks/<family>/<name>.ts` exporting a Check,
 * listed in that family's `index.ts`; a docs page `docs/checks/<family>/<name>.md`; a case table test.
 */
import type { Check } from '../model/check.js';
import { AIRFLOW_CHECKS } from './airflow/index.js';
import { APP_CHECKS } from './app/index.js';
import { APP_SERVER_CHECKS } from './appserver/index.js';
import { DEPLOY_CHECKS } from './deploy/index.js';
import { DJANGO_CHECKS } from './django/index.js';
import { FLASK_CHECKS } from './flask/index.js';
import { NGINX_CHECKS } from './nginx/index.js';
import { NODE_CHECKS } from './node/index.js';
import { PROXY_CHECKS } from './proxy/index.js';
import { WAITRESS_CHECKS } from './waitress/index.js';

export const ALL_CHECKS: Check[] = [
  ...NGINX_CHECKS,
  ...DJANGO_CHECKS,
  ...APP_SERVER_CHECKS,
  ...FLASK_CHECKS,
  ...NODE_CHECKS,
  ...DEPLOY_CHECKS,
  ...PROXY_CHECKS,
  ...APP_CHECKS,
  ...WAITRESS_CHECKS,
  ...AIRFLOW_CHECKS,
];

export function checkById(id: string): Check | undefined {
  return ALL_CHECKS.find((c) => c.meta.id === id);
}
