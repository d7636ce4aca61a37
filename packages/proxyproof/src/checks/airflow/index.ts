import type { Check } from '../../model/check.js';
import { airflowProxyFixDisabled } from './proxy-fix-disabled.js';

/** Apache Airflow's webserver (issue 14: Python app ends beyond Django/Flask). */
export const AIRFLOW_CHECKS: Check[] = [airflowProxyFixDisabled];
