/** Helpers shared by the django/ checks. */
import type { Facts, FrameworkFacts } from '../../model/facts.js';
import type { Evidence } from '../../model/finding.js';
import { ev } from '../appserver/context.js';

export function djangoApps(facts: Facts): FrameworkFacts[] {
  return facts.frameworks.filter((f) => f.kind === 'django');
}

/** Evidence for a setting, or for the settings file when the setting is not written (Django's default). */
export function settingEvidence(
  fw: FrameworkFacts,
  name: string,
  ref: FrameworkFacts['settings'][string]['ref'] | undefined,
  note: string,
): Evidence {
  if (ref) return ev(ref, note);
  return { file: fw.file, line: 0, note: `${name} is not set in ${fw.module ?? fw.file} (or the files it imports): ${note}` };
}

/** `('HTTP_X_FORWARDED_PROTO', 'https')` problems, empty when well-formed. */
export function sslHeaderProblems(raw: unknown): string[] {
  if (raw === null || raw === undefined) return [];
  if (typeof raw === 'string')
    return [
      `it is a string (${JSON.stringify(raw)}), not a (header, value) tuple: Django raises ImproperlyConfigured on request.scheme`,
    ];
  if (!Array.isArray(raw)) return ['it is not a (header, value) tuple'];
  if (raw.length !== 2)
    return [`it has ${raw.length} items; Django unpacks exactly two (header, value) and raises ImproperlyConfigured otherwise`];
  const [h, v] = raw as [unknown, unknown];
  const out: string[] = [];
  if (typeof h !== 'string' || typeof v !== 'string') return ['header and value must both be strings'];
  if (h.includes('-'))
    out.push(
      `the header ${JSON.stringify(h)} contains dashes: Django looks it up in request.META, where it is ${JSON.stringify(metaName(h))}`,
    );
  else if (h !== h.toUpperCase())
    out.push(`the header ${JSON.stringify(h)} is not upper case: request.META keys are ${JSON.stringify(metaName(h))}`);
  else if (!h.startsWith('HTTP_'))
    out.push(
      `the header ${JSON.stringify(h)} lacks the HTTP_ prefix request.META gives request headers (${JSON.stringify(metaName(h))})`,
    );
  if (v !== v.toLowerCase() && v.toLowerCase() === 'https')
    out.push(`the value ${JSON.stringify(v)} is compared exactly; proxies send "https" ($scheme, {scheme})`);
  else if (v.trim() !== v) out.push(`the value ${JSON.stringify(v)} has surrounding spaces and never matches`);
  else if (v !== 'https' && v !== 'on' && v !== 'ssl' && v !== 'true' && v !== '1')
    out.push(`the value ${JSON.stringify(v)} is unusual for a scheme header; a proxy sends "https"`);
  return out;
}

/** Header name -> request.META key. */
export function metaName(h: string): string {
  const n = h
    .replace(/^HTTP_/i, '')
    .replace(/-/g, '_')
    .toUpperCase();
  return `HTTP_${n}`;
}
