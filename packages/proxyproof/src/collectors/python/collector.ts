import type { Collector } from '../../engine/collect.js';

// Placeholder until the python collector lands (see ARCHITECTURE.md); it claims no file.
export const pythonCollector: Collector = { name: 'python', collect() {} };
