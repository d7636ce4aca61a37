import type { Check } from '../../model/check.js';

export const NGINX_CHECKS: Check[] = [];
