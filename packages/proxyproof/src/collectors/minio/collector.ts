/**
 * MinIO (S3 API server) as an app that takes the client address from the LEFT-most X-Forwarded-For entry, from any
 * peer: minio/minio@7aac2a2c `internal/handlers/proxy.go` `GetSourceIPFromHeaders` ("Only grab the first (client)
 * address": the text before the first ", " of the first X-Forwarded-For line; then X-Real-IP, then `Forwarded: for=`),
 * with no trusted-proxy list (only `_MINIO_API_XFF_HEADER=off` turns the X-Forwarded-For read off). That address is
 * the request's source IP in bucket policies' `aws:SourceIp` condition (`cmd/bucket-policy.go`), audit and trace logs
 * and event notifications. So an edge proxy that appends to the client's own X-Forwarded-For (Apache mod_proxy_http,
 * HAProxy `option forwardfor`, nginx `$proxy_add_x_forwarded_for`) lets a client choose its address.
 *
 * Where the tree starts MinIO: a compose service running MinIO's image (`minio/minio`, `quay.io/minio/minio`; the
 * image's entrypoint runs `minio` before the service's `command: server ...`), or a `minio server|gateway` command line
 * (a systemd unit, a script, an image's CMD: collectors/deploy/command-launches.ts). Its port: `--address`, else
 * `MINIO_ADDRESS` in the environment the files show, else `:9000` (cmd/server-main.go `GlobalMinioDefaultPort`).
 * Read, not claimed.
 */
import type { Collector } from '../../model/collector.js';
import type { ComposeService } from '../../model/deploy.js';
import type { SourceRef, Valued } from '../../model/facts.js';
import type { ForwardedForReader } from '../../model/proxy.js';
import { commandLaunches } from '../deploy/command-launches.js';

export const MINIO_SOURCE = 'https://github.com/minio/minio/blob/master/internal/handlers/proxy.go (GetSourceIPFromHeaders)';

/** MinIO's own images (Docker Hub and quay.io): their entrypoint runs `minio` with the container's command. */
export const MINIO_IMAGE = /^(?:[\w.-]+(?::\d+)?\/)?minio\/minio(?:[:@]|$)/i;

/** `minio server ...` / `minio gateway ...` (the S3 API servers; `minio` alone prints help). */
function minioServerArgs(words: string[]): string[] | undefined {
  const i = words.findIndex((w) => /(?:^|\/)minio$/.test(w));
  if (i < 0) return undefined;
  const sub = words[i + 1];
  return sub === 'server' || sub === 'gateway' ? words.slice(i + 2) : undefined;
}

/** The listen address MinIO takes: `--address`, else MINIO_ADDRESS, else `:9000`; undefined when a variable holds it. */
export function minioAddress(
  args: string[],
  env: Record<string, { value: string } | Valued<string> | undefined>,
): { host: string; port: number; from: string } | undefined {
  let raw: string | undefined;
  let from = '--address';
  for (const [i, a] of args.entries()) {
    const m = /^--?address(?:=(.*))?$/.exec(a);
    if (m) raw = m[1] ?? args[i + 1];
  }
  if (raw === undefined) {
    const v = env.MINIO_ADDRESS as { value?: unknown } | undefined;
    if (typeof v?.value === 'string') {
      raw = v.value;
      from = 'MINIO_ADDRESS';
    }
  }
  if (raw === undefined) return { host: '', port: 9000, from: 'the default :9000' };
  raw = raw.replace(/^["']|["']$/g, '');
  if (/\$/.test(raw)) return undefined;
  const m = /^(\[[^\]]*\]|[^:]*):(\d+)$/.exec(raw);
  if (!m) return undefined;
  return { host: (m[1] ?? '').replace(/^\[|\]$/g, ''), port: Number(m[2]), from };
}

function reader(
  addr: { host: string; port: number; from: string },
  ref: SourceRef,
  service?: ComposeService,
): ForwardedForReader {
  return {
    app: 'MinIO',
    port: addr.port,
    hosts: addr.host ? [addr.host] : [],
    entry: 'leftmost',
    ref,
    source: `${MINIO_SOURCE}; listens on ${addr.from === 'the default :9000' ? addr.from : `${addr.host}:${addr.port} (${addr.from})`}`,
    ...(service ? { serviceNames: [service.name, ...(service.aliases ?? [])] } : {}),
  };
}

export const minioCollector: Collector = {
  name: 'minio',
  collect(ctx) {
    const out: ForwardedForReader[] = [];
    const facts = ctx.facts;
    // Compose services running MinIO's image: the image's entrypoint starts `minio` with the service's command.
    for (const cf of facts.compose?.files ?? [])
      for (const s of cf.services) {
        if (!s.image || !MINIO_IMAGE.test(s.image) || s.entrypoint) continue;
        const argv = s.command?.argv ?? [];
        const args = argv[0] === 'minio' ? argv.slice(1) : argv;
        if (args[0] !== 'server' && args[0] !== 'gateway') continue;
        const addr = minioAddress(args.slice(1), s.environment);
        if (addr) out.push(reader(addr, s.command?.ref ?? s.ref, s));
      }
    // `minio server` command lines anywhere else (units, scripts, images' CMD, other compose commands).
    const launches = commandLaunches(ctx, facts, { mentions: /\bminio\b/, match: (w) => minioServerArgs(w) });
    for (const l of launches) {
      if (out.some((r) => r.ref.file === l.ref.file && r.ref.line === l.ref.line)) continue;
      const addr = minioAddress(l.match, l.env);
      if (addr) out.push(reader(addr, l.ref, l.service));
    }
    if (out.length) {
      facts.forwardedForReaders ??= [];
      facts.forwardedForReaders.push(...out);
    }
  },
};
