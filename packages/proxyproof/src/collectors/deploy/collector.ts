import type { Collector } from '../../engine/collect.js';

// Placeholder until the deploy collector lands (see ARCHITECTURE.md); it claims no file.
export const deployCollector: Collector = { name: 'deploy', collect() {} };
