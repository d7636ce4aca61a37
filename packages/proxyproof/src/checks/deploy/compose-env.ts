/**
 * A compose service's `environment:` entry set to a value, written the way that service writes its entries (`- K=v`
 * list items or `K: "v"` map keys, at their indentation): the fix of every check whose remedy is an environment
 * variable of a compose service (deploy/trust-switch-off, nginx-proxy/trust-downstream-proxy).
 */
import type { ComposeService } from '../../model/deploy.js';
import type { Fix } from '../../model/finding.js';

/** The entry's line in the service's own form. */
export function composeEnvLine(key: NonNullable<ComposeService['envKey']>, name: string, value: string): string {
  return key.list ? `${key.itemIndent}- ${name}=${value}` : `${key.itemIndent}${name}: "${value}"`;
}

/**
 * The edit that sets `name` to `value`: the service's own line for it replaced when it writes one, else a new entry
 * after its `environment:` key; undefined when the service has no `environment:` key (the fix is then advice).
 */
export function composeEnvEdit(
  svc: ComposeService,
  name: string,
  value: string,
): Pick<Fix, 'file' | 'line' | 'placement' | 'lines'> | undefined {
  const key = svc.envKey;
  if (!key) return undefined;
  const written = svc.environment[name];
  const lines = [composeEnvLine(key, name, value)];
  return written
    ? { file: written.ref.file, line: written.ref.line, placement: 'replace', lines }
    : { file: key.file, line: key.line, placement: 'after', lines };
}
