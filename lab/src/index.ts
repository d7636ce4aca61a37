// The lab's public API: list / render / start scenarios, and observe them with a real Chromium.

export { missingPrograms, systemBinaries } from './bins.js';
export {
  type BrowserObservation,
  CHROMIUM_ARGS,
  closeBrowsers,
  type FormSubmission,
  type MixedContentIssue,
  type ObserveOptions,
  observe,
  submitFirstForm,
} from './browser.js';
export { CERT_NAMES, ensureCerts, type LabCerts } from './certs.js';
export { curlVia, type HttpResult } from './http.js';
export { getKind } from './kinds/index.js';
export { startUnit, unitEnv } from './kinds/unit.js';
export { netnsAvailable } from './netns.js';
export { execCmd, spawnGroup, waitForTcp } from './proc.js';
export { renderText, renderTree } from './render.js';
export { LabSkip, renderScenario, type StartOptions, skipReason, startScenario } from './runner.js';
export { APPS_DIR, LAB_ROOT, listScenarios, loadScenario, resolveEntry, SCENARIOS_DIR } from './scenarios.js';
export { readUnit, splitCommandLine, type UnitService } from './systemd.js';
export * from './topologies.js';
export * from './types.js';
