import type { Check } from '../../model/check.js';

export const APP_SERVER_CHECKS: Check[] = [];
