import type { Check } from '../../model/check.js';

export const DJANGO_CHECKS: Check[] = [];
