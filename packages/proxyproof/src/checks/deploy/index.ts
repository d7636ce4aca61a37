import type { Check } from '../../model/check.js';
import { backendPortPublished } from './backend-port-published.js';
import { trustSwitchOff } from './trust-switch-off.js';

export const DEPLOY_CHECKS: Check[] = [backendPortPublished, trustSwitchOff];
