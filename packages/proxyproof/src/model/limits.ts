/**
 * Size limits on input, one per kind of file, stated once: every collector, the "Not read" list and every
 * message take the number from here, so the message and the code always agree.
 */

const MIB = 1024 * 1024;

/**
 * A proxy config of any kind (nginx, Apache, HAProxy, Caddy, Traefik, Kubernetes YAML, Terraform) and the
 * template of one. Generated configs are big (nginx with 10,000 TLS servers: 9 MB); past this, a file is not a
 * hand-kept config and is listed as too large, not read.
 */
export const MAX_CONFIG_BYTES = 16 * MIB;

/**
 * App source and deployment files (Python, Node, Ruby, PHP, Java, C#, Go; compose, systemd, Dockerfile, shell,
 * Procfile, supervisord): an app's setup is a few KB; past this it is a bundle, vendored or generated code.
 */
export const MAX_SOURCE_BYTES = 1 * MIB;

/**
 * A lockfile (package-lock.json, yarn.lock, pnpm-lock.yaml), read only for the installed version of a package an
 * advisory names: the largest monorepo lockfiles are tens of MB. Past this the versions are not read (a note says so).
 */
export const MAX_LOCKFILE_BYTES = 64 * MIB;

/** The largest file anything reads: bigger files are listed under "Not read" as too large. */
export const MAX_FILE_BYTES = Math.max(MAX_CONFIG_BYTES, MAX_SOURCE_BYTES);

/** Bytes read from the start of a file to judge what it is by content (the start of a config says what it is). */
export const SNIFF_BYTES = 64 * 1024;

/** `16 MB`, `1 MB`, `512 KB`: a limit as the messages state it. */
export function limitText(bytes: number): string {
  return bytes >= MIB ? `${Math.round((bytes / MIB) * 10) / 10} MB` : `${Math.round(bytes / 1024)} KB`;
}

/** The one wording of "over a limit", with the file's own size and the limit for its kind. */
export function tooLarge(size: number, limit: number, kind: string): string {
  return `too large: ${size} bytes, over the ${limitText(limit)} limit for ${kind}; not read`;
}

/**
 * Other renderings of a tree's templates analysed besides the first (issue 12: a conditional block is analysed in
 * each branch when that changes a finding): each is one alternative of one conditional, the others kept at their
 * first, and costs one more analysis of the whole tree. Past this, the remaining alternatives are not analysed and
 * a note says how many.
 */
export const MAX_TEMPLATE_RENDERINGS = 8;
