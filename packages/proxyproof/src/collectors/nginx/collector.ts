import type { Collector } from '../../engine/collect.js';

// Placeholder until the nginx collector lands (see ARCHITECTURE.md); it claims no file.
export const nginxCollector: Collector = { name: 'nginx', collect() {} };
