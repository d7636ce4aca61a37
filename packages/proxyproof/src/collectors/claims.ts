/**
 * Which files each collector the registry loads at its turn (collectors/registry.ts `runs`) reads: the one file test
 * the collector and the registry both import, so the registry never skips a file the collector would read, nor
 * loads the collector for files it would skip. One small module for all of them: esbuild makes a chunk of every
 * module shared by the registry and one collector, and a one-file lint would load six more files (issue 10:
 * start-up; the bundle exists to load fewer files).
 */
import { basename } from 'node:path';
import type { DiscoveredFile } from '../model/collector.js';
import type { AppServerFacts } from '../model/facts.js';
import { MAX_CONFIG_BYTES, MAX_SOURCE_BYTES } from '../model/limits.js';
import { baseName, configName } from './proxy/common.js';
import { isCaddyfileName, isDockerfileName } from './sniff.js';

// haproxy/collector.ts

const VERSION_OUTPUT_NAME = /haproxy[^/]*?(?:\.(?:txt|log|out|vv?|version))?$/i;

/** `haproxy -v`/`-vv` output saved in the tree (`haproxy-version.txt`...): small, and not a config or script by name. */
export function mayBeVersionOutput(f: DiscoveredFile): boolean {
  const base = baseName(f.display);
  return (
    !/\.(cfg|conf|config|ya?ml|json|toml|erb|j2|tmpl|sh|py|md)$/i.test(base) && VERSION_OUTPUT_NAME.test(base) && f.size < 65536
  );
}

/** A file named on the command line (the content decides), or a `.cfg`/`.conf`/`.config` whose path says haproxy or that is a `.cfg`. */
export function mayBeHaproxyConfig(f: DiscoveredFile): boolean {
  return f.explicit || (/\.(cfg|conf|config)$/i.test(configName(f.display)) && /haproxy|\.cfg$/i.test(f.display));
}

/**
 * A Dockerfile that may copy a tree file to HAProxy's config path (haproxy/collector.ts copiedToHaproxyPath): its
 * name says Dockerfile and its text names HAProxy (`FROM haproxy:alpine`, `COPY x /usr/local/etc/haproxy/...`).
 */
export const mayBeHaproxyImage = (name: string, text: string | undefined): boolean =>
  isDockerfileName(name) && text !== undefined && /haproxy/i.test(text);

// apache/collector.ts

/** Names Apache's files go by. */
export const APACHE_NAME = /(\.conf|\.partial|\.vhost|\.htaccess|httpd[^/]*|apache2?[^/]*)$/i;
/** A `<VirtualHost>` line: Apache, whatever the file is called. */
export const VIRTUAL_HOST_LINE = /^<VirtualHost\b/im;

// caddy/collector.ts

/** A `.json` (Caddy's JSON config), a Caddyfile name, or any file named on the command line (its content decides). */
export function mayBeCaddyFile(f: DiscoveredFile): boolean {
  const name = configName(f.display);
  return /\.json$/i.test(name) || isCaddyfileName(name) || f.explicit;
}

// traefik/collector.ts

/** TOML and YAML only (static configs, file-provider dynamic configs, compose labels, ConfigMaps, CRDs). */
export const mayBeTraefikFile = (f: DiscoveredFile): boolean => /\.(toml|ya?ml)$/i.test(configName(f.display));

// synapse/collector.ts

/** `homeserver.yaml` and its variants (`homeserver-prod.yml`). */
export const isSynapseConfig = (f: DiscoveredFile): boolean => /^homeserver.*\.ya?ml$/i.test(baseName(f.display));

// airflow/collector.ts

const CANDIDATE = /(^airflow\.cfg$|\.(cfg|ini|ya?ml|conf|tpl)$)/i;

/** `airflow.cfg`, other INI/YAML/conf/template files, env files and Dockerfiles, read claimed or not. */
export function mayBeAirflowFile(f: DiscoveredFile): boolean {
  const name = basename(f.abs);
  return f.size <= MAX_SOURCE_BYTES && (CANDIDATE.test(name) || /(^|\.)env$|Dockerfile/.test(name));
}

/** The `[webserver]` section: the collector adds facts only for a file that has one. */
export const WEBSERVER_SECTION = /^\s*\[webserver\]\s*$/m;

// kamal/collector.ts (and engine/not-read.ts: a file with Kamal's shape the collector could not read)

/** `config/deploy.yml` and its destinations (`config/deploy.staging.yml`), as Kamal loads them (`-d staging`). */
export function isKamalDeployName(name: string): boolean {
  return /^deploy(?:\.[\w-]+)?\.ya?ml$/.test(name);
}

/** Kamal's required top-level keys (`service:` and `image:`) with something it serves (`servers:` or `proxy:`). */
export function looksLikeKamalDeploy(text: string): boolean {
  return /^service:[ \t]*\S/m.test(text) && /^image:[ \t]*\S/m.test(text) && /^(?:servers|proxy):/m.test(text);
}

// deploy/collector.ts

/** A supervisord program section, `[program:x]` or `[fcgi-program:x]`: the file is a supervisord config. */
/**
 * A file that may be a uWSGI config, by its path: any `.ini`, or a `.conf`/`.cfg` whose path names uWSGI
 * (`etc/uwsgi.conf`, `uwsgi/app.cfg`: uWSGI loads any file given to `--ini`, whatever its suffix). Its `[uwsgi]`
 * section decides (collectors/uwsgi/collector.ts).
 */
export function mayBeUwsgiConfig(path: string): boolean {
  return /\.ini$/.test(path) || (/\.(?:conf|cfg)$/i.test(path) && /uwsgi/i.test(path));
}

export const SUPERVISORD_PROGRAM = /^\s*\[(program|fcgi-program):/m;

/** A `.conf`/`.ini` within the source limit: read for supervisord programs whatever else claimed it. */
export function mayBeSupervisordConfig(f: DiscoveredFile): boolean {
  return /\.(conf|ini)$/.test(basename(f.abs)) && f.size <= MAX_SOURCE_BYTES;
}

/** `render.yaml` or `fly.toml`: a platform that builds the tree's Dockerfile and routes to it through its own proxy. */
export function isPlatformBuildFile(f: DiscoveredFile): boolean {
  const name = basename(f.abs);
  return name === 'render.yaml' || name === 'fly.toml';
}

// front/collector.ts

/** An Elastic Beanstalk folder's file (`.ebextensions/*.config`, anything under `.platform/`). */
export function isBeanstalkFile(f: DiscoveredFile): boolean {
  return /(^|\/)\.ebextensions\/[^/]+\.config$/.test(f.display) || /(^|\/)\.platform\//.test(f.display);
}

/** `fly.toml`, `fly.<name>.toml`, or a TOML file whose path says fly. */
export function mayBeFlyToml(f: DiscoveredFile): boolean {
  const name = baseName(f.display);
  return /^fly(\.[\w-]+)?\.toml$/.test(name) || (/\.toml$/.test(name) && /fly/.test(f.display));
}

/** A Terraform file within the config limit (an `aws_lb_listener`, `templatefile()` bindings). */
export function isTerraformFile(f: DiscoveredFile): boolean {
  return /\.tf$/.test(baseName(f.display)) && f.size <= MAX_CONFIG_BYTES;
}

/**
 * Files that may show a tunnel: YAML (a cloudflared config, also a committed `.example`), a Procfile, systemd units
 * and shell scripts. The front collector reads their text (registry.ts: it runs when one of them names cloudflared
 * or holds top-level `ingress:` rules).
 */
export function mayBeTunnelFile(f: DiscoveredFile): boolean {
  return /\.ya?ml(?:\.(?:example|sample|dist))?$|^Procfile$|\.service$|\.sh$/i.test(baseName(f.display));
}

/** Text that can hold a tunnel (for the registry's cheap test): cloudflared named, or top-level ingress rules. */
export const TUNNEL_TEXT = /cloudflared|^ingress:\s*$/m;

/** Every file the front collector reads: the above, a Procfile and render.yaml. */
export function mayBeFrontFile(f: DiscoveredFile): boolean {
  const name = baseName(f.display);
  return isBeanstalkFile(f) || mayBeFlyToml(f) || name === 'Procfile' || name === 'render.yaml' || isTerraformFile(f);
}

/*
 * Documentation, not configuration (engine/not-read.ts, and collectors that sniff content: a README showing a
 * `<VirtualHost>` example is prose, not a vhost of the deployment).
 */
// gettext catalogs (`.po`, `.pot`) are translated prose: a web app's messages.po mentions proxies and HTTPS in
// every language it ships.
const DOC_EXT = /\.(?:md|markdown|mdx|rst|txt|adoc|asciidoc|org|textile|rdoc|pod|html?|pdf|po|pot)$/i;
const DOC_NAME =
  /^(?:README|READ\.ME|LICEN[CS]E|COPYING|COPYRIGHT|NOTICE|CHANGELOG|CHANGES|HISTORY|NEWS|AUTHORS|CONTRIBUTORS|CONTRIBUTING|MAINTAINERS|SECURITY|CODE_OF_CONDUCT|CODEOWNERS|UPGRADING|INSTALL)(?:[-_][A-Za-z0-9]+)*$/i;

/** A documentation file by its name. */
export function isDocumentation(name: string): boolean {
  return DOC_EXT.test(name) || DOC_NAME.test(name);
}

// odoo/collector.ts

/** Files an Odoo configuration may be in: `odoo.conf`, `openerp-server.conf`, `.odoorc`, any `.conf`/`.cfg`/`.ini`. */
export function mayBeOdooConfig(f: DiscoveredFile): boolean {
  const name = basename(f.abs).replace(/\.(?:j2|jinja2?|tpl|tmpl|template|erb)$/i, '');
  return f.size <= MAX_SOURCE_BYTES && /(?:\.(?:conf|cfg|ini)|^\.odoorc|^\.openerp_serverrc)$/i.test(name);
}

/** An `[options]` section with a key only Odoo's configuration has (uWSGI, supervisord and others use other sections). */
export const ODOO_OPTIONS =
  /^\s*\[options\][ \t]*\r?$(?=[\s\S]*^[ \t]*(?:addons_path|admin_passwd|proxy_mode|dbfilter|db_filter|longpolling_port|gevent_port|list_db|without_demo)[ \t]*[=:])/m;

/** The official Odoo image (`odoo:17`, `library/odoo`); `bitnami/odoo` has its own entrypoint and configuration. */
export const ODOO_IMAGE = /^(?:docker\.io\/)?(?:library\/)?odoo(?::|@|$)/;

/**
 * Bitnami's Odoo image (`bitnami/odoo:17`, and `bitnamilegacy/odoo`, where Bitnami's older tags moved): its entrypoint
 * writes the Odoo configuration from `ODOO_*` environment variables at the first start (collectors/odoo).
 */
export const BITNAMI_ODOO_IMAGE = /^(?:docker\.io\/)?bitnami(?:legacy)?\/odoo(?::|@|$)/;

/** Files that start programs: s6/runit `run` scripts, shell scripts, images, process managers, units. */
export function launchVia(display: string): AppServerFacts['launch']['via'] | undefined {
  const d = display.replace(/\\/g, '/');
  const base = d.split('/').pop() ?? '';
  if (isDockerfileName(base)) return 'dockerfile';
  if (/^Procfile/.test(base)) return 'procfile';
  if (/\.service$/.test(base)) return 'systemd';
  if (/supervisor/i.test(d) && /\.(conf|ini)$/.test(base)) return 'supervisord';
  if (/\.sh$/.test(base) || /(^|\/)(services\.d|s6-rc\.d|service|sv)\/[^/]+\/run$/.test(d) || /^(docker-)?entrypoint/.test(base))
    return 'shell';
  return undefined;
}
