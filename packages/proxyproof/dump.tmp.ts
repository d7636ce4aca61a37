import { lintPaths } from './src/engine/lint.ts';
const { facts, report } = await lintPaths([process.argv[2] as string]);
const replacer = (k: string, v: unknown) => (k === 'sources' ? undefined : v instanceof Map ? undefined : v);
console.log(JSON.stringify({ appServers: facts.appServers, frameworks: facts.frameworks.map(f => ({...f, settings: Object.keys(f.settings)})), compose: facts.compose, diagnostics: facts.diagnostics }, replacer, 1));
console.log(report.findings.map(f => `${f.severity} ${f.id} ${f.evidence[0]?.file}:${f.evidence[0]?.line} ${f.message}`).join('\n'));
