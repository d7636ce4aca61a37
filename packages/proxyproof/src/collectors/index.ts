/**
 * The collectors, in order. A new file format gets a collector in `collectors/<format>/` and a line here.
 * Order matters only for claiming: the first collector to claim a file owns it.
 */
import type { Collector } from '../model/collector.js';
import { airflowCollector } from './airflow/collector.js';
import { apacheCollector } from './apache/collector.js';
import { caddyCollector } from './caddy/collector.js';
import { deployCollector } from './deploy/collector.js';
import { dotnetCollector } from './dotnet/collector.js';
import { elixirCollector } from './elixir/collector.js';
import { frontCollector } from './front/collector.js';
import { goCollector } from './golang/collector.js';
import { haproxyCollector } from './haproxy/collector.js';
import { jvmCollector } from './jvm/collector.js';
import { kamalCollector } from './kamal/collector.js';
import { kubeCollector } from './kube/collector.js';
import { minioCollector } from './minio/collector.js';
import { nginxCollector } from './nginx/collector.js';
import { nginxProxyCollector } from './nginx-proxy/collector.js';
import { nodeAppCollector } from './node/collector.js';
import { odooCollector } from './odoo/collector.js';
import { phpCollector } from './php/collector.js';
import { pythonCollector } from './python/collector.js';
import { pywsgiCollector } from './pywsgi/collector.js';
import { rubyCollector } from './ruby/collector.js';
import { synapseCollector } from './synapse/collector.js';
import { traefikCollector } from './traefik/collector.js';
import { uwsgiCollector } from './uwsgi/collector.js';

export const COLLECTORS: Collector[] = [
  nginxCollector,
  haproxyCollector,
  apacheCollector,
  deployCollector,
  // After deploy: a Caddyfile's {$VAR} placeholders are filled from the compose service that runs Caddy.
  caddyCollector,
  // Fronts before the app collectors: an app run by a platform (Fly, Heroku...) is reached only through its router.
  frontCollector,
  pythonCollector,
  nodeAppCollector,
  traefikCollector,
  kubeCollector,
  synapseCollector,
  minioCollector,
  // App ends of other ecosystems (issue 14): after deploy, so compose environments are known.
  rubyCollector,
  // After ruby: Thruster in the Kamal container takes the place of the Puma a config/puma.rb describes.
  kamalCollector,
  nginxProxyCollector,
  phpCollector,
  jvmCollector,
  dotnetCollector,
  goCollector,
  elixirCollector,
  pywsgiCollector,
  uwsgiCollector,
  airflowCollector,
  odooCollector,
];
