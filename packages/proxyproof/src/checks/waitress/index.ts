import type { Check } from '../../model/check.js';
import { waitressProxyHeadersIgnored } from './proxy-headers-ignored.js';

export const WAITRESS_CHECKS: Check[] = [waitressProxyHeadersIgnored];
