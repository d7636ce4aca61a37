/**
 * Which files are Kamal deploy files: one truth for the Kamal collector, the registry (by name) and the Not-read
 * list (by content, when the collector could not read a file that has Kamal's shape).
 */

/** `config/deploy.yml` and its destinations (`config/deploy.staging.yml`), as Kamal loads them (`-d staging`). */
export function isKamalDeployName(name: string): boolean {
  return /^deploy(?:\.[\w-]+)?\.ya?ml$/.test(name);
}

/** Kamal's required top-level keys (`service:` and `image:`) with something it serves (`servers:` or `proxy:`). */
export function looksLikeKamalDeploy(text: string): boolean {
  return /^service:[ \t]*\S/m.test(text) && /^image:[ \t]*\S/m.test(text) && /^(?:servers|proxy):/m.test(text);
}
