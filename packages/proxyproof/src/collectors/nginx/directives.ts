/**
 * What nginx accepts where: the contexts and argument counts of the directives we know, and the analysis
 * crossplane's analyzer does with such a table (a known directive in a wrong context, with a wrong number of
 * arguments, a flag that is not on/off, a block where a `;` belongs and the reverse).
 *
 * Scope, on purpose:
 * - Unknown directives are accepted (third-party modules exist; crossplane's default is the same).
 * - Only the main, events and http contexts are analysed (http main/server/location/upstream, `if` in server
 *   and location, `limit_except`). Blocks whose bodies are not directives (`map`, `geo`, `types`,
 *   `split_clients`, `charset_map`) and the stream/mail contexts are not analysed, so a directive that also
 *   exists there can never be wrongly rejected.
 * - The masks follow the `ngx_command_t` tables of nginx 1.22-1.27 (the http core, rewrite, proxy, fastcgi,
 *   uwsgi, scgi, grpc, ssl, v2, realip, map, geo, upstream, headers, access, auth, limit, gzip, log, index,
 *   autoindex, charset, ssi, sub, userid, referer, secure_link, dav, mirror, stub_status modules).
 */

// Contexts (bits). M: main; E: events; H: http; S: server; L: location; U: upstream; I: `if` in server;
// J: `if` in location; X: limit_except.
const CTX = { M: 1, E: 2, H: 4, S: 8, L: 16, U: 32, I: 64, J: 128, X: 256 } as const;
// Arguments (bits). Bit n (0..7) = exactly n arguments.
const BLOCK = 1 << 8;
const FLAG = 1 << 9;
const ANY = 1 << 10;
const MORE1 = 1 << 11;
const MORE2 = 1 << 12;

interface Mask {
  ctx: number;
  args: number;
}

/** Context tuple (joined by '/') -> context bit. Other contexts are not analysed. */
const CONTEXT_BITS: Record<string, number> = {
  '': CTX.M,
  events: CTX.E,
  http: CTX.H,
  'http/server': CTX.S,
  'http/location': CTX.L,
  'http/upstream': CTX.U,
  'http/server/if': CTX.I,
  'http/location/if': CTX.J,
  'http/location/limit_except': CTX.X,
};

function ctxBits(spec: string): number {
  let b = 0;
  for (const ch of spec) {
    const v = CTX[ch as keyof typeof CTX];
    if (v === undefined) throw new Error(`bad context letter ${ch}`);
    b |= v;
  }
  return b;
}

/** `1` one arg, `12` one or two, `0` none, `+` one or more, `2+` two or more, `*` any, `f` on|off, `b` block. */
function argBits(spec: string): number {
  let b = 0;
  if (spec.includes('b')) b |= BLOCK;
  const s = spec.replace('b', '');
  if (s === '+') return b | MORE1;
  if (s === '2+') return b | MORE2;
  if (s === '*') return b | ANY;
  if (s === 'f') return b | FLAG;
  for (const d of s) b |= 1 << Number(d);
  return b;
}

// name -> [contexts, args][]; one pair per ngx_command_t (a name may have several, e.g. `server`).
const TABLE: Record<string, [string, string][]> = {
  // core (main)
  daemon: [['M', 'f']],
  master_process: [['M', 'f']],
  timer_resolution: [['M', '1']],
  pid: [['M', '1']],
  lock_file: [['M', '1']],
  worker_processes: [['M', '1']],
  debug_points: [['M', '1']],
  user: [['M', '12']],
  worker_priority: [['M', '1']],
  worker_cpu_affinity: [['M', '+']],
  worker_rlimit_nofile: [['M', '1']],
  worker_rlimit_core: [['M', '1']],
  worker_shutdown_timeout: [['M', '1']],
  working_directory: [['M', '1']],
  env: [['M', '1']],
  load_module: [['M', '1']],
  pcre_jit: [['M', 'f']],
  thread_pool: [['M', '23']],
  ssl_engine: [['M', '1']],
  google_perftools_profiles: [['M', '1']],
  error_log: [['MHSL', '+']],
  include: [['MEHSLUIJX', '1']],
  events: [['M', 'b0']],
  http: [['M', 'b0']],
  // events
  worker_connections: [['E', '1']],
  use: [['E', '1']],
  multi_accept: [['E', 'f']],
  accept_mutex: [['E', 'f']],
  accept_mutex_delay: [['E', '1']],
  debug_connection: [['E', '1']],
  worker_aio_requests: [['E', '1']],
  // http core
  server: [
    ['H', 'b0'],
    ['U', '+'],
  ],
  location: [['SL', 'b12']],
  listen: [['S', '+']],
  server_name: [['S', '+']],
  types_hash_max_size: [['HSL', '1']],
  types_hash_bucket_size: [['HSL', '1']],
  types: [['HSL', 'b0']],
  server_names_hash_max_size: [['H', '1']],
  server_names_hash_bucket_size: [['H', '1']],
  variables_hash_max_size: [['H', '1']],
  variables_hash_bucket_size: [['H', '1']],
  connection_pool_size: [['HS', '1']],
  request_pool_size: [['HS', '1']],
  client_header_timeout: [['HS', '1']],
  client_header_buffer_size: [['HS', '1']],
  large_client_header_buffers: [['HS', '2']],
  ignore_invalid_headers: [['HS', 'f']],
  merge_slashes: [['HS', 'f']],
  underscores_in_headers: [['HS', 'f']],
  default_type: [['HSL', '1']],
  root: [['HSLJ', '1']],
  alias: [['L', '1']],
  limit_except: [['L', 'b+']],
  client_max_body_size: [['HSL', '1']],
  client_body_buffer_size: [['HSL', '1']],
  client_body_timeout: [['HSL', '1']],
  client_body_temp_path: [['HSL', '1234']],
  client_body_in_file_only: [['HSL', '1']],
  client_body_in_single_buffer: [['HSL', 'f']],
  sendfile: [['HSLJ', 'f']],
  sendfile_max_chunk: [['HSL', '1']],
  subrequest_output_buffer_size: [['HSL', '1']],
  aio: [['HSL', '1']],
  aio_write: [['HSL', 'f']],
  read_ahead: [['HSL', '1']],
  directio: [['HSL', '1']],
  directio_alignment: [['HSL', '1']],
  tcp_nopush: [['HSL', 'f']],
  tcp_nodelay: [['HSL', 'f']],
  send_timeout: [['HSL', '1']],
  send_lowat: [['HSL', '1']],
  postpone_output: [['HSL', '1']],
  limit_rate: [['HSLJ', '1']],
  limit_rate_after: [['HSLJ', '1']],
  keepalive_time: [
    ['HSL', '1'],
    ['U', '1'],
  ],
  keepalive_timeout: [
    ['HSL', '12'],
    ['U', '1'],
  ],
  keepalive_requests: [
    ['HSL', '1'],
    ['U', '1'],
  ],
  keepalive_disable: [['HSL', '12']],
  satisfy: [['HSL', '1']],
  auth_delay: [['HSL', '1']],
  internal: [['L', '0']],
  lingering_close: [['HSL', '1']],
  lingering_time: [['HSL', '1']],
  lingering_timeout: [['HSL', '1']],
  reset_timedout_connection: [['HSL', 'f']],
  absolute_redirect: [['HSL', 'f']],
  server_name_in_redirect: [['HSL', 'f']],
  port_in_redirect: [['HSL', 'f']],
  msie_padding: [['HSL', 'f']],
  msie_refresh: [['HSL', 'f']],
  log_not_found: [['HSL', 'f']],
  log_subrequest: [['HSL', 'f']],
  recursive_error_pages: [['HSL', 'f']],
  server_tokens: [['HSL', '1']],
  chunked_transfer_encoding: [['HSL', 'f']],
  etag: [['HSL', 'f']],
  error_page: [['HSLJ', '2+']],
  post_action: [['HSLJ', '1']],
  open_file_cache: [['HSL', '12']],
  open_file_cache_valid: [['HSL', '1']],
  open_file_cache_min_uses: [['HSL', '1']],
  open_file_cache_errors: [['HSL', 'f']],
  open_file_cache_events: [['HSL', 'f']],
  // upstream: since 1.27.3 (allowed so that newer configs are not rejected)
  resolver: [['HSLU', '+']],
  resolver_timeout: [['HSLU', '1']],
  gzip_vary: [['HSL', 'f']],
  gzip_http_version: [['HSL', '1']],
  gzip_proxied: [['HSL', '+']],
  gzip_disable: [['HSL', '+']],
  disable_symlinks: [['HSL', '12']],
  if_modified_since: [['HSL', '1']],
  max_ranges: [['HSL', '1']],
  output_buffers: [['HSL', '2']],
  try_files: [['SL', '2+']],
  // log
  log_format: [['H', '2+']],
  access_log: [['HSLJX', '+']],
  open_log_file_cache: [['HSL', '1234']],
  // index, autoindex, static
  index: [['HSL', '+']],
  autoindex: [['HSL', 'f']],
  autoindex_exact_size: [['HSL', 'f']],
  autoindex_format: [['HSL', '1']],
  autoindex_localtime: [['HSL', 'f']],
  // rewrite
  rewrite: [['SILJ', '23']],
  return: [['SILJ', '12']],
  break: [['SILJ', '0']],
  if: [['SL', 'b+']],
  set: [['SILJ', '2']],
  rewrite_log: [['HSILJ', 'f']],
  uninitialized_variable_warn: [['HSILJ', 'f']],
  // proxy
  proxy_pass: [['LJX', '1']],
  proxy_redirect: [['HSL', '12']],
  proxy_cookie_domain: [['HSL', '12']],
  proxy_cookie_path: [['HSL', '12']],
  proxy_cookie_flags: [['HSL', '1234']],
  proxy_store: [['HSL', '1']],
  proxy_store_access: [['HSL', '123']],
  proxy_buffering: [['HSL', 'f']],
  proxy_request_buffering: [['HSL', 'f']],
  proxy_ignore_client_abort: [['HSL', 'f']],
  proxy_bind: [['HSL', '12']],
  proxy_socket_keepalive: [['HSL', 'f']],
  proxy_connect_timeout: [['HSL', '1']],
  proxy_send_timeout: [['HSL', '1']],
  proxy_send_lowat: [['HSL', '1']],
  proxy_intercept_errors: [['HSL', 'f']],
  proxy_set_header: [['HSL', '2']],
  proxy_headers_hash_max_size: [['HSL', '1']],
  proxy_headers_hash_bucket_size: [['HSL', '1']],
  proxy_set_body: [['HSL', '1']],
  proxy_method: [['HSL', '1']],
  proxy_pass_request_headers: [['HSL', 'f']],
  proxy_pass_request_body: [['HSL', 'f']],
  proxy_pass_trailers: [['HSL', 'f']],
  proxy_buffer_size: [['HSL', '1']],
  proxy_read_timeout: [['HSL', '1']],
  proxy_buffers: [['HSL', '2']],
  proxy_busy_buffers_size: [['HSL', '1']],
  proxy_force_ranges: [['HSL', 'f']],
  proxy_limit_rate: [['HSL', '1']],
  proxy_cache: [['HSL', '1']],
  proxy_cache_key: [['HSL', '1']],
  proxy_cache_path: [['H', '2+']],
  proxy_cache_bypass: [['HSL', '+']],
  proxy_no_cache: [['HSL', '+']],
  proxy_cache_valid: [['HSL', '+']],
  proxy_cache_min_uses: [['HSL', '1']],
  proxy_cache_max_range_offset: [['HSL', '1']],
  proxy_cache_use_stale: [['HSL', '+']],
  proxy_cache_methods: [['HSL', '+']],
  proxy_cache_lock: [['HSL', 'f']],
  proxy_cache_lock_timeout: [['HSL', '1']],
  proxy_cache_lock_age: [['HSL', '1']],
  proxy_cache_revalidate: [['HSL', 'f']],
  proxy_cache_convert_head: [['HSL', 'f']],
  proxy_cache_background_update: [['HSL', 'f']],
  proxy_temp_path: [['HSL', '1234']],
  proxy_max_temp_file_size: [['HSL', '1']],
  proxy_temp_file_write_size: [['HSL', '1']],
  proxy_next_upstream: [['HSL', '+']],
  proxy_next_upstream_tries: [['HSL', '1']],
  proxy_next_upstream_timeout: [['HSL', '1']],
  proxy_pass_header: [['HSL', '1']],
  proxy_hide_header: [['HSL', '1']],
  proxy_ignore_headers: [['HSL', '+']],
  proxy_http_version: [['HSL', '1']],
  proxy_ssl_session_reuse: [['HSL', 'f']],
  proxy_ssl_protocols: [['HSL', '+']],
  proxy_ssl_ciphers: [['HSL', '1']],
  proxy_ssl_name: [['HSL', '1']],
  proxy_ssl_server_name: [['HSL', 'f']],
  proxy_ssl_verify: [['HSL', 'f']],
  proxy_ssl_verify_depth: [['HSL', '1']],
  proxy_ssl_trusted_certificate: [['HSL', '1']],
  proxy_ssl_crl: [['HSL', '1']],
  proxy_ssl_certificate: [['HSL', '1']],
  proxy_ssl_certificate_key: [['HSL', '1']],
  proxy_ssl_password_file: [['HSL', '1']],
  proxy_ssl_conf_command: [['HSL', '2']],
  // fastcgi
  fastcgi_pass: [['LJ', '1']],
  fastcgi_index: [['HSL', '1']],
  fastcgi_split_path_info: [['HSL', '1']],
  fastcgi_param: [['HSL', '23']],
  fastcgi_connect_timeout: [['HSL', '1']],
  fastcgi_send_timeout: [['HSL', '1']],
  fastcgi_read_timeout: [['HSL', '1']],
  fastcgi_buffer_size: [['HSL', '1']],
  fastcgi_buffers: [['HSL', '2']],
  fastcgi_busy_buffers_size: [['HSL', '1']],
  fastcgi_buffering: [['HSL', 'f']],
  fastcgi_request_buffering: [['HSL', 'f']],
  fastcgi_intercept_errors: [['HSL', 'f']],
  fastcgi_hide_header: [['HSL', '1']],
  fastcgi_pass_header: [['HSL', '1']],
  fastcgi_ignore_headers: [['HSL', '+']],
  fastcgi_ignore_client_abort: [['HSL', 'f']],
  fastcgi_pass_request_headers: [['HSL', 'f']],
  fastcgi_pass_request_body: [['HSL', 'f']],
  fastcgi_keep_conn: [['HSL', 'f']],
  fastcgi_next_upstream: [['HSL', '+']],
  fastcgi_temp_path: [['HSL', '1234']],
  fastcgi_max_temp_file_size: [['HSL', '1']],
  fastcgi_bind: [['HSL', '12']],
  fastcgi_catch_stderr: [['HSL', '1']],
  fastcgi_cache: [['HSL', '1']],
  fastcgi_cache_key: [['HSL', '1']],
  fastcgi_cache_path: [['H', '2+']],
  fastcgi_cache_valid: [['HSL', '+']],
  fastcgi_cache_bypass: [['HSL', '+']],
  fastcgi_no_cache: [['HSL', '+']],
  fastcgi_cache_use_stale: [['HSL', '+']],
  fastcgi_cache_methods: [['HSL', '+']],
  fastcgi_cache_min_uses: [['HSL', '1']],
  fastcgi_cache_lock: [['HSL', 'f']],
  fastcgi_cache_lock_timeout: [['HSL', '1']],
  fastcgi_cache_revalidate: [['HSL', 'f']],
  fastcgi_cache_background_update: [['HSL', 'f']],
  // uwsgi
  uwsgi_pass: [['LJ', '1']],
  uwsgi_param: [['HSL', '23']],
  uwsgi_modifier1: [['HSL', '1']],
  uwsgi_modifier2: [['HSL', '1']],
  uwsgi_connect_timeout: [['HSL', '1']],
  uwsgi_send_timeout: [['HSL', '1']],
  uwsgi_read_timeout: [['HSL', '1']],
  uwsgi_buffer_size: [['HSL', '1']],
  uwsgi_buffers: [['HSL', '2']],
  uwsgi_busy_buffers_size: [['HSL', '1']],
  uwsgi_buffering: [['HSL', 'f']],
  uwsgi_request_buffering: [['HSL', 'f']],
  uwsgi_intercept_errors: [['HSL', 'f']],
  uwsgi_hide_header: [['HSL', '1']],
  uwsgi_pass_header: [['HSL', '1']],
  uwsgi_ignore_headers: [['HSL', '+']],
  uwsgi_ignore_client_abort: [['HSL', 'f']],
  uwsgi_pass_request_headers: [['HSL', 'f']],
  uwsgi_pass_request_body: [['HSL', 'f']],
  uwsgi_next_upstream: [['HSL', '+']],
  uwsgi_temp_path: [['HSL', '1234']],
  uwsgi_max_temp_file_size: [['HSL', '1']],
  uwsgi_bind: [['HSL', '12']],
  uwsgi_cache: [['HSL', '1']],
  uwsgi_cache_key: [['HSL', '1']],
  uwsgi_cache_path: [['H', '2+']],
  uwsgi_cache_valid: [['HSL', '+']],
  // scgi
  scgi_pass: [['LJ', '1']],
  scgi_param: [['HSL', '23']],
  scgi_connect_timeout: [['HSL', '1']],
  scgi_send_timeout: [['HSL', '1']],
  scgi_read_timeout: [['HSL', '1']],
  scgi_buffering: [['HSL', 'f']],
  scgi_intercept_errors: [['HSL', 'f']],
  scgi_hide_header: [['HSL', '1']],
  scgi_pass_header: [['HSL', '1']],
  // grpc
  grpc_pass: [['LJ', '1']],
  grpc_set_header: [['HSL', '2']],
  grpc_connect_timeout: [['HSL', '1']],
  grpc_send_timeout: [['HSL', '1']],
  grpc_read_timeout: [['HSL', '1']],
  grpc_buffer_size: [['HSL', '1']],
  grpc_hide_header: [['HSL', '1']],
  grpc_pass_header: [['HSL', '1']],
  grpc_ignore_headers: [['HSL', '+']],
  grpc_intercept_errors: [['HSL', 'f']],
  grpc_next_upstream: [['HSL', '+']],
  grpc_bind: [['HSL', '12']],
  grpc_socket_keepalive: [['HSL', 'f']],
  grpc_ssl_server_name: [['HSL', 'f']],
  grpc_ssl_name: [['HSL', '1']],
  grpc_ssl_verify: [['HSL', 'f']],
  grpc_ssl_trusted_certificate: [['HSL', '1']],
  grpc_ssl_certificate: [['HSL', '1']],
  grpc_ssl_certificate_key: [['HSL', '1']],
  // ssl (http)
  ssl: [['HS', 'f']],
  ssl_certificate: [['HS', '1']],
  ssl_certificate_key: [['HS', '1']],
  ssl_password_file: [['HS', '1']],
  ssl_dhparam: [['HS', '1']],
  ssl_ecdh_curve: [['HS', '1']],
  ssl_protocols: [['HS', '+']],
  ssl_ciphers: [['HS', '1']],
  ssl_buffer_size: [['HS', '1']],
  ssl_verify_client: [['HS', '1']],
  ssl_verify_depth: [['HS', '1']],
  ssl_client_certificate: [['HS', '1']],
  ssl_trusted_certificate: [['HS', '1']],
  ssl_prefer_server_ciphers: [['HS', 'f']],
  ssl_session_cache: [['HS', '12']],
  ssl_session_tickets: [['HS', 'f']],
  ssl_session_ticket_key: [['HS', '1']],
  ssl_session_timeout: [['HS', '1']],
  ssl_crl: [['HS', '1']],
  ssl_ocsp: [['HS', '1']],
  ssl_ocsp_cache: [['HS', '1']],
  ssl_ocsp_responder: [['HS', '1']],
  ssl_stapling: [['HS', 'f']],
  ssl_stapling_file: [['HS', '1']],
  ssl_stapling_responder: [['HS', '1']],
  ssl_stapling_verify: [['HS', 'f']],
  ssl_early_data: [['HS', 'f']],
  ssl_conf_command: [['HS', '2']],
  ssl_reject_handshake: [['HS', 'f']],
  // http/2, http/3
  http2: [['HS', 'f']],
  http2_max_concurrent_streams: [['HS', '1']],
  http2_recv_buffer_size: [['H', '1']],
  http2_chunk_size: [['HSL', '1']],
  http2_body_preread_size: [['HS', '1']],
  http2_idle_timeout: [['HS', '1']],
  http2_push: [['HSL', '1']],
  http2_push_preload: [['HSL', 'f']],
  http3: [['HS', 'f']],
  // realip
  set_real_ip_from: [['HSL', '1']],
  real_ip_header: [['HSL', '1']],
  real_ip_recursive: [['HSL', 'f']],
  // map, geo, split_clients, geoip (their bodies are not analysed)
  map: [['H', 'b2']],
  map_hash_max_size: [['H', '1']],
  map_hash_bucket_size: [['H', '1']],
  geo: [['H', 'b12']],
  split_clients: [['H', 'b2']],
  geoip_country: [['H', '12']],
  geoip_city: [['H', '12']],
  geoip_org: [['H', '12']],
  geoip_proxy: [['H', '1']],
  geoip_proxy_recursive: [['H', 'f']],
  // upstream
  upstream: [['H', 'b1']],
  zone: [['U', '12']],
  keepalive: [['U', '1']],
  least_conn: [['U', '0']],
  ip_hash: [['U', '0']],
  hash: [['U', '12']],
  random: [['U', '012']],
  // headers
  add_header: [['HSLJ', '23']],
  add_trailer: [['HSLJ', '23']],
  expires: [['HSLJ', '12']],
  // access, auth
  allow: [['HSLX', '1']],
  deny: [['HSLX', '1']],
  auth_basic: [['HSLX', '1']],
  auth_basic_user_file: [['HSLX', '1']],
  auth_request: [['HSL', '1']],
  auth_request_set: [['HSL', '2']],
  // limits
  limit_req: [['HSL', '123']],
  limit_req_zone: [['H', '3']],
  limit_req_status: [['HSL', '1']],
  limit_req_log_level: [['HSL', '1']],
  limit_req_dry_run: [['HSL', 'f']],
  limit_conn: [['HSL', '2']],
  limit_conn_zone: [['H', '2']],
  limit_conn_status: [['HSL', '1']],
  limit_conn_log_level: [['HSL', '1']],
  limit_conn_dry_run: [['HSL', 'f']],
  // gzip
  gzip: [['HSLJ', 'f']],
  gzip_buffers: [['HSL', '2']],
  gzip_types: [['HSL', '+']],
  gzip_comp_level: [['HSL', '1']],
  gzip_min_length: [['HSL', '1']],
  gzip_static: [['HSL', '1']],
  gunzip: [['HSL', 'f']],
  gunzip_buffers: [['HSL', '2']],
  // charset, ssi, sub, addition
  charset: [['HSLJ', '1']],
  source_charset: [['HSLJ', '1']],
  override_charset: [['HSLJ', 'f']],
  charset_types: [['HSL', '+']],
  charset_map: [['H', 'b2']],
  ssi: [['HSLJ', 'f']],
  ssi_types: [['HSL', '+']],
  ssi_silent_errors: [['HSL', 'f']],
  sub_filter: [['HSL', '2']],
  sub_filter_once: [['HSL', 'f']],
  sub_filter_types: [['HSL', '+']],
  sub_filter_last_modified: [['HSL', 'f']],
  add_before_body: [['HSL', '1']],
  add_after_body: [['HSL', '1']],
  addition_types: [['HSL', '+']],
  // userid, referer, secure_link
  userid: [['HSL', '1']],
  userid_name: [['HSL', '1']],
  userid_domain: [['HSL', '1']],
  userid_path: [['HSL', '1']],
  userid_expires: [['HSL', '1']],
  userid_mark: [['HSL', '1']],
  valid_referers: [['SL', '+']],
  referer_hash_max_size: [['SL', '1']],
  referer_hash_bucket_size: [['SL', '1']],
  secure_link: [['HSL', '1']],
  secure_link_md5: [['HSL', '1']],
  secure_link_secret: [['HSL', '1']],
  // dav, mirror, status, misc location handlers
  dav_methods: [['HSL', '+']],
  create_full_put_path: [['HSL', 'f']],
  min_delete_depth: [['HSL', '1']],
  dav_access: [['HSL', '123']],
  mirror: [['HSL', '1']],
  mirror_request_body: [['HSL', 'f']],
  stub_status: [['SL', '01']],
  empty_gif: [['L', '0']],
  random_index: [['L', 'f']],
  memcached_pass: [['LJ', '1']],
};

const MASKS = new Map<string, Mask[]>();
for (const [name, specs] of Object.entries(TABLE)) {
  MASKS.set(
    name,
    specs.map(([c, a]) => ({ ctx: ctxBits(c), args: argBits(a) })),
  );
}

/** True when we know this directive (name only). */
export function isKnownDirective(name: string): boolean {
  return MASKS.has(name);
}

/** The context a block directive opens, given the context it is in (crossplane's rule: a location is always
 * `http/location`, however deeply nested). */
export function enterBlockContext(directive: string, ctx: readonly string[]): string[] {
  if (ctx.length > 0 && ctx[0] === 'http' && directive === 'location') return ['http', 'location'];
  return [...ctx, directive];
}

/** True unless the directive is known and not allowed in this (analysed) context. */
export function allowedIn(directive: string, ctx: readonly string[]): boolean {
  const bit = CONTEXT_BITS[ctx.join('/')];
  const masks = MASKS.get(directive);
  if (bit === undefined || !masks) return true;
  return masks.some((m) => (m.ctx & bit) !== 0);
}

export interface AnalysisError {
  reason: string;
  /** The directive was written as a block or ended by `}` where a `;` belongs. */
  notTerminated: boolean;
}

/**
 * Checks one statement against the table. `terminator` is `;`, `{` or `}` (what ended the arguments).
 * Returns undefined when fine or not analysable.
 */
export function analyzeDirective(
  directive: string,
  args: readonly string[],
  terminator: string,
  ctx: readonly string[],
  analyze = true,
): AnalysisError | undefined {
  return analyzeWithContextBit(directive, args, terminator, contextBit(ctx), analyze);
}

/** The bit of an analysed context, or undefined for contexts we do not analyse (map, stream, ...). */
export function contextBit(ctx: readonly string[]): number | undefined {
  return CONTEXT_BITS[ctx.join('/')];
}

/** analyzeDirective with the context bit computed once per block (the parser's hot path). */
export function analyzeWithContextBit(
  directive: string,
  args: readonly string[],
  terminator: string,
  bit: number | undefined,
  analyze = true,
): AnalysisError | undefined {
  const all = MASKS.get(directive);
  if (bit === undefined || !all || !analyze) {
    // Unknown directive or context: only the terminator can be judged (nginx: `unexpected "}"`).
    if (terminator === '}') return { reason: `directive "${directive}" is not terminated by ";"`, notTerminated: true };
    return undefined;
  }
  const n = args.length;
  let reason = '';
  let notTerminated = false;
  let allowed = false;
  // Like nginx and crossplane: the last failing mask (of those allowed in this context) decides the message; the
  // first is the usual one. The masks of other contexts are passed over in place (no filtered copy per directive).
  for (let k = all.length - 1; k >= 0; k--) {
    const m = all[k] as Mask;
    if ((m.ctx & bit) === 0) continue;
    allowed = true;
    if (m.args & BLOCK && terminator !== '{') {
      reason = `directive "${directive}" has no opening "{"`;
      notTerminated = false;
      continue;
    }
    if (!(m.args & BLOCK) && terminator !== ';') {
      reason = `directive "${directive}" is not terminated by ";"`;
      notTerminated = true;
      continue;
    }
    if (
      (n <= 7 && m.args & (1 << n)) ||
      (m.args & FLAG && n === 1 && /^(on|off)$/i.test(args[0] as string)) ||
      m.args & ANY ||
      (m.args & MORE1 && n >= 1) ||
      (m.args & MORE2 && n >= 2)
    ) {
      return undefined;
    }
    notTerminated = false;
    if (m.args & FLAG && n === 1) {
      reason = `invalid value "${args[0]}" in "${directive}" directive, it must be "on" or "off"`;
    } else {
      reason = `invalid number of arguments in "${directive}" directive`;
    }
  }
  if (!allowed) return { reason: `"${directive}" directive is not allowed here`, notTerminated: false };
  return { reason, notTerminated };
}

/** Blocks whose bodies are not directives (map entries, MIME types, ...) or not http (stream, mail). */
const OPAQUE_BLOCKS = new Set(['map', 'geo', 'types', 'split_clients', 'charset_map', 'match', 'stream', 'mail']);

/** True when the children of this block are directives of the contexts the table covers. */
export function analysedBlock(directive: string): boolean {
  return !OPAQUE_BLOCKS.has(directive);
}

/** A known directive one edit away from an unknown name (`proxy_passs` -> `proxy_pass`), for a hint. */
export function suggestDirective(name: string): string | undefined {
  if (name.length < 6 || MASKS.has(name) || !/^[a-z0-9_]+$/.test(name)) return undefined;
  for (const known of MASKS.keys()) {
    if (Math.abs(known.length - name.length) <= 1 && withinOneEdit(known, name)) return known;
  }
  return undefined;
}

function withinOneEdit(a: string, b: string): boolean {
  if (a === b) return true;
  if (a.length === b.length) {
    let diff = 0;
    for (let i = 0; i < a.length; i++) {
      if (a[i] !== b[i]) {
        diff++;
        // a transposition (`porxy`) counts as one edit too
        if (diff === 1 && a[i] === b[i + 1] && a[i + 1] === b[i] && a.slice(i + 2) === b.slice(i + 2)) return true;
      }
      if (diff > 1) return false;
    }
    return true;
  }
  const [short, long] = a.length < b.length ? [a, b] : [b, a];
  let i = 0;
  while (i < short.length && short[i] === long[i]) i++;
  return short.slice(i) === long.slice(i + 1);
}
