import type { Collector } from '../../engine/collect.js';

// Placeholder until the node collector lands (see ARCHITECTURE.md); it claims no file.
export const nodeAppCollector: Collector = { name: 'node', collect() {} };
