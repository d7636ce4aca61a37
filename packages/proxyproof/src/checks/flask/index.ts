import type { Check } from '../../model/check.js';
import { proxyfixCounts } from './proxyfix-counts.js';
import { proxyfixMissing } from './proxyfix-missing.js';

export const FLASK_CHECKS: Check[] = [proxyfixMissing, proxyfixCounts];
