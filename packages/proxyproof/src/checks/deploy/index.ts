import type { Check } from '../../model/check.js';

export const DEPLOY_CHECKS: Check[] = [];
