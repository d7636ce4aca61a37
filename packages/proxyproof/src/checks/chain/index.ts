/** Chain checks: findings of the doctor's whole-chain simulation (see chain/ and docs/doctor.md). */
import type { Check } from '../../model/check.js';
import { fragileTrust } from './fragile-trust.js';
import { hostLost } from './host-lost.js';
import { linkUnresolved } from './link-unresolved.js';
import { protocolMismatch } from './protocol-mismatch.js';
import { schemeLost } from './scheme-lost.js';
import { spoofableBackend } from './spoofable-backend.js';

export const CHAIN_CHECKS: Check[] = [schemeLost, hostLost, spoofableBackend, linkUnresolved, fragileTrust, protocolMismatch];
