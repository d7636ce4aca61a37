import type { Check } from '../../model/check.js';

export const NODE_CHECKS: Check[] = [];
