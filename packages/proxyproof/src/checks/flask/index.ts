import type { Check } from '../../model/check.js';

export const FLASK_CHECKS: Check[] = [];
