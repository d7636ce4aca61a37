/**
 * A `docker run` / `podman run` command line (a systemd unit's ExecStart=, a shell script): the container it starts
 * publishes what its `-p`/`--publish` options say (issue 12: a 0.0.0.0 bind inside a container "is reachable only
 * through what publishes it (`ports:`, `docker run -p`, a Service)"), and runs the command written after the image.
 */
import type { ComposePort } from '../../model/deploy.js';
import type { SourceRef } from '../../model/facts.js';
import { RUN_VALUE_OPTS } from '../template/env-scripts.js';
import { parseComposePort } from './formats.js';

export interface DockerRunLine {
  /** The image (first word after the options). */
  image: string;
  /** The command after the image (empty: the image's own CMD). */
  command: string[];
  ports: ComposePort[];
  /** `--network host` (`--net=host`): the container shares the host's network, no publishing applies. */
  networkMode?: string;
}

/** Reads argv as `[path/]docker|podman [global options] run [options] IMAGE [command...]`; undefined for anything else. */
export function dockerRunLine(words: string[], ref: SourceRef): DockerRunLine | undefined {
  // `exec docker run ...`, `sudo docker run ...`: the same command.
  let w = 0;
  while (w < words.length - 1 && ['exec', 'sudo', 'nohup'].includes(words[w] as string)) w++;
  const argv = w > 0 ? words.slice(w) : words;
  if (!/(?:^|\/)(?:docker|podman)$/.test(argv[0] ?? '')) return undefined;
  const ri = argv.indexOf('run');
  // `docker container run` too; any other word before `run` is another command.
  if (ri < 0 || argv.slice(1, ri).some((a) => !a.startsWith('-') && a !== 'container')) return undefined;
  const ports: ComposePort[] = [];
  let networkMode: string | undefined;
  let k = ri + 1;
  for (; k < argv.length; k++) {
    let opt = argv[k] as string;
    if (!opt.startsWith('-') || opt === '-') break;
    if (opt === '--') {
      k++;
      break;
    }
    let val: string | undefined;
    const eq = opt.indexOf('=');
    if (opt.startsWith('--') && eq > 0) {
      val = opt.slice(eq + 1);
      opt = opt.slice(0, eq);
    } else if (/^-p./.test(opt)) val = opt.slice(2);
    else if (RUN_VALUE_OPTS.has(opt)) val = argv[++k];
    if (val === undefined) continue;
    if (opt === '-p' || opt === '--publish')
      for (const p of parseComposePort(val)) ports.push({ ...p, raw: `-p ${val}`, ref, by: `\`${argv0(argv)} run -p ${val}\`` });
    else if (opt === '--network' || opt === '--net') networkMode = val;
  }
  const image = argv[k];
  if (image === undefined) return undefined;
  return { image, command: argv.slice(k + 1), ports, ...(networkMode ? { networkMode } : {}) };
}

/** `docker` or `podman`, without its path. */
function argv0(argv: string[]): string {
  return (argv[0] ?? 'docker').replace(/^.*\//, '');
}
