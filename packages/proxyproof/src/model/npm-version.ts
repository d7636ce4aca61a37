/** Release versions of npm packages, as the advisories' ranges compare them (major.minor.patch; no prereleases). */
export type Version = [number, number, number];

/** `2.0.7`, `v5.8.2`, `5.8.2-beta.1` (the prerelease tag ignored); undefined for anything else. */
export function parseVersion(v: string): Version | undefined {
  const m = /^v?(\d+)\.(\d+)\.(\d+)/.exec(v.trim());
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
}

export function versionBelow(v: Version, w: readonly [number, number, number]): boolean {
  for (let i = 0; i < 3; i++) if ((v[i] as number) !== w[i]) return (v[i] as number) < (w[i] as number);
  return false;
}
