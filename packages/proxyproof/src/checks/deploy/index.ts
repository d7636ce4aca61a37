import type { Check } from '../../model/check.js';
import { backendPortPublished } from './backend-port-published.js';

export const DEPLOY_CHECKS: Check[] = [backendPortPublished];
