/**
 * Stock include files that distributions ship next to nginx.conf and that site configs include by name
 * (`include proxy_params;`). When a linted config includes one that is not in the linted folder, the parser
 * reads the real file from /etc/nginx when present, and otherwise uses the built-in copy below, marking the
 * file `source: 'builtin'` so a finding can say so.
 *
 * The built-in copies are Debian's (nginx 1.22.1-9+deb12u* in Debian 12, the package installed on our CI
 * machine; test/nginx-parser/stock-params.test.ts pins them against /etc/nginx when that is Debian's).
 * Facts they carry that the checks rely on:
 * - Debian's proxy_params sets Host, X-Real-IP, X-Forwarded-For and X-Forwarded-Proto $scheme. (Older Debian
 *   releases set `Host $http_host`; the current security update sets `Host $host`.) nginx.org's packages ship
 *   no proxy_params at all.
 * - uwsgi_params, fastcgi_params, fastcgi.conf and scgi_params set `HTTPS $https if_not_empty` and
 *   `REQUEST_SCHEME $scheme`, in Debian's and in nginx.org's packages (both come from nginx's conf/ folder;
 *   Debian adds the trailing HTTP_HOST line).
 * - snippets/fastcgi-php.conf is Debian's PHP helper; it includes fastcgi.conf. snippets/snakeoil.conf and
 *   mime.types are kept so that a config copied out of /etc/nginx without them still resolves.
 */

export interface StockFile {
  /** The include argument as written in configs, relative to the nginx prefix (or the absolute path). */
  name: string;
  /** Where Debian (and nginx.org packages, where they ship it) install it. */
  path: string;
  content: string;
  /** Who ships it, as the "assumed" note says it: Debian's nginx package unless said otherwise. */
  origin?: string;
}

/** What a stock file sets, in a few words, for the note that says it was assumed. */
export function stockSummary(f: StockFile): string {
  const headers: string[] = [];
  const names: string[] = [];
  for (const raw of f.content.split('\n')) {
    const m = /^\s*([a-z_]+)\s+([^\s;]+)/.exec(raw.replace(/#.*/, ''));
    if (!m) continue;
    const [, name, arg] = m as unknown as [string, string, string];
    if (name === 'proxy_set_header') headers.push(arg);
    else if (!names.includes(name)) names.push(name);
  }
  const parts: string[] = [];
  if (headers.length) parts.push(`proxy_set_header ${headers.join(', ')}`);
  if (names.length)
    parts.push(names.length > 4 ? `${names.slice(0, 4).join(', ')} and ${names.length - 4} more` : names.join(', '));
  return parts.length ? `it sets ${parts.join('; ')}` : 'it sets nothing';
}

const lines = (l: string[]): string => `${l.join('\n')}\n`;

/**
 * The comment Debian 12 writes, word for word, above HTTP_HOST in uwsgi_params, fastcgi_params and
 * scgi_params (proxy_params has its own wording, about `Host`).
 */
const HTTP_HOST_WORKAROUND = [
  '# !!! Security workaround !!!',
  '# Do not use HTTP_HOST as "$http_host".',
  '#',
  '# "$http_host" is the Host header exactly as supplied by the client.',
  '# This is unsafe when a client sends an absolute-form request target together',
  '# with a different Host header, for example:',
  '#',
  '#     GET https://example.com/ HTTP/1.1',
  '#     Host: malformedhost',
  '#',
  '# In such a case, passing "$http_host" upstream exposes the raw client-supplied',
  '# Host value ("malformedhost") to the backend application, even though it does',
  '# not match the effective request target. Applications often use HTTP_HOST for',
  '# redirects, absolute URL generation, virtual host routing, or security checks;',
  '# forwarding the raw Host header can therefore lead to incorrect or unsafe',
  '# behaviour.',
  '#',
  '# Newer nginx versions (since 1.30.0) introduce variables "$is_request_port" and',
  '# "$request_port", allowing HTTP_HOST to be constructed as:',
  '#     $host$is_request_port$request_port',
  '#',
  '# In stable/oldstable packages we use "$host" as a security workaround.',
  '# It avoids forwarding an untrusted raw Host header to the backend.',
  '#',
  '# Note: this changes behaviour compared to previous versions, because "$host"',
  '# does not preserve the client-supplied port, while "$http_host" typically',
  '# does. Existing deployments that rely on "$http_host" containing a port number',
  '# may therefore break or behave differently after this change.',
];

export const STOCK_FILES: readonly StockFile[] = [
  {
    name: 'proxy_params',
    path: '/etc/nginx/proxy_params',
    content: lines([
      '# !!! Security workaround !!!',
      '# Do not set the `Host` header as "$http_host".',
      '#',
      '# "$http_host" is the Host header exactly as supplied by the client.',
      '# This is unsafe when a client sends an absolute-form request target together',
      '# with a different Host header, for example:',
      '#',
      '#     GET https://example.com/ HTTP/1.1',
      '#     Host: malformedhost',
      '#',
      '# In such a case, passing "$http_host" upstream exposes the raw client-supplied',
      '# Host value ("malformedhost") to the backend application, even though it does',
      '# not match the effective request target. Applications often use HTTP_HOST for',
      '# redirects, absolute URL generation, virtual host routing, or security checks;',
      '# forwarding the raw Host header can therefore lead to incorrect or unsafe',
      '# behaviour.',
      '#',
      '# Newer nginx versions (since 1.30.0) introduce variables "$is_request_port" and',
      '# "$request_port", allowing `Host` to be constructed as:',
      '#     $host$is_request_port$request_port',
      '#',
      '# In stable/oldstable packages we use "$host" as a security workaround.',
      '# It avoids forwarding an untrusted raw Host header to the backend.',
      '#',
      '# Note: this changes behaviour compared to previous versions, because "$host"',
      '# does not preserve the client-supplied port, while "$http_host" typically',
      '# does. Existing deployments that rely on "$http_host" containing a port number',
      '# may therefore break or behave differently after this change.',
      '',
      'proxy_set_header Host $host;',
      'proxy_set_header X-Real-IP $remote_addr;',
      'proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;',
      'proxy_set_header X-Forwarded-Proto $scheme;',
    ]),
  },
  {
    name: 'uwsgi_params',
    path: '/etc/nginx/uwsgi_params',
    content: lines([
      '',
      'uwsgi_param  QUERY_STRING       $query_string;',
      'uwsgi_param  REQUEST_METHOD     $request_method;',
      'uwsgi_param  CONTENT_TYPE       $content_type;',
      'uwsgi_param  CONTENT_LENGTH     $content_length;',
      '',
      'uwsgi_param  REQUEST_URI        $request_uri;',
      'uwsgi_param  PATH_INFO          $document_uri;',
      'uwsgi_param  DOCUMENT_ROOT      $document_root;',
      'uwsgi_param  SERVER_PROTOCOL    $server_protocol;',
      'uwsgi_param  REQUEST_SCHEME     $scheme;',
      'uwsgi_param  HTTPS              $https if_not_empty;',
      '',
      'uwsgi_param  REMOTE_ADDR        $remote_addr;',
      'uwsgi_param  REMOTE_PORT        $remote_port;',
      'uwsgi_param  SERVER_PORT        $server_port;',
      'uwsgi_param  SERVER_NAME        $server_name;',
      '',
      ...HTTP_HOST_WORKAROUND,
      '',
      'uwsgi_param  HTTP_HOST        $host;',
    ]),
  },
  {
    name: 'fastcgi_params',
    path: '/etc/nginx/fastcgi_params',
    content: lines([
      '',
      'fastcgi_param  QUERY_STRING       $query_string;',
      'fastcgi_param  REQUEST_METHOD     $request_method;',
      'fastcgi_param  CONTENT_TYPE       $content_type;',
      'fastcgi_param  CONTENT_LENGTH     $content_length;',
      '',
      'fastcgi_param  SCRIPT_NAME        $fastcgi_script_name;',
      'fastcgi_param  REQUEST_URI        $request_uri;',
      'fastcgi_param  DOCUMENT_URI       $document_uri;',
      'fastcgi_param  DOCUMENT_ROOT      $document_root;',
      'fastcgi_param  SERVER_PROTOCOL    $server_protocol;',
      'fastcgi_param  REQUEST_SCHEME     $scheme;',
      'fastcgi_param  HTTPS              $https if_not_empty;',
      '',
      'fastcgi_param  GATEWAY_INTERFACE  CGI/1.1;',
      'fastcgi_param  SERVER_SOFTWARE    nginx/$nginx_version;',
      '',
      'fastcgi_param  REMOTE_ADDR        $remote_addr;',
      'fastcgi_param  REMOTE_PORT        $remote_port;',
      'fastcgi_param  REMOTE_USER        $remote_user;',
      'fastcgi_param  SERVER_ADDR        $server_addr;',
      'fastcgi_param  SERVER_PORT        $server_port;',
      'fastcgi_param  SERVER_NAME        $server_name;',
      '',
      '# PHP only, required if PHP was built with --enable-force-cgi-redirect',
      'fastcgi_param  REDIRECT_STATUS    200;',
      '',
      ...HTTP_HOST_WORKAROUND,
      '',
      'fastcgi_param  HTTP_HOST        $host;',
    ]),
  },
  {
    name: 'scgi_params',
    path: '/etc/nginx/scgi_params',
    content: lines([
      '',
      'scgi_param  REQUEST_METHOD     $request_method;',
      'scgi_param  REQUEST_URI        $request_uri;',
      'scgi_param  QUERY_STRING       $query_string;',
      'scgi_param  CONTENT_TYPE       $content_type;',
      '',
      'scgi_param  DOCUMENT_URI       $document_uri;',
      'scgi_param  DOCUMENT_ROOT      $document_root;',
      'scgi_param  SCGI               1;',
      'scgi_param  SERVER_PROTOCOL    $server_protocol;',
      'scgi_param  REQUEST_SCHEME     $scheme;',
      'scgi_param  HTTPS              $https if_not_empty;',
      '',
      'scgi_param  REMOTE_ADDR        $remote_addr;',
      'scgi_param  REMOTE_PORT        $remote_port;',
      'scgi_param  SERVER_PORT        $server_port;',
      'scgi_param  SERVER_NAME        $server_name;',
      '',
      ...HTTP_HOST_WORKAROUND,
      '',
      'scgi_param  HTTP_HOST        $host;',
    ]),
  },
  {
    name: 'fastcgi.conf',
    path: '/etc/nginx/fastcgi.conf',
    content: lines([
      '',
      'fastcgi_param  SCRIPT_FILENAME    $document_root$fastcgi_script_name;',
      'fastcgi_param  QUERY_STRING       $query_string;',
      'fastcgi_param  REQUEST_METHOD     $request_method;',
      'fastcgi_param  CONTENT_TYPE       $content_type;',
      'fastcgi_param  CONTENT_LENGTH     $content_length;',
      '',
      'fastcgi_param  SCRIPT_NAME        $fastcgi_script_name;',
      'fastcgi_param  REQUEST_URI        $request_uri;',
      'fastcgi_param  DOCUMENT_URI       $document_uri;',
      'fastcgi_param  DOCUMENT_ROOT      $document_root;',
      'fastcgi_param  SERVER_PROTOCOL    $server_protocol;',
      'fastcgi_param  REQUEST_SCHEME     $scheme;',
      'fastcgi_param  HTTPS              $https if_not_empty;',
      '',
      'fastcgi_param  GATEWAY_INTERFACE  CGI/1.1;',
      'fastcgi_param  SERVER_SOFTWARE    nginx/$nginx_version;',
      '',
      'fastcgi_param  REMOTE_ADDR        $remote_addr;',
      'fastcgi_param  REMOTE_PORT        $remote_port;',
      'fastcgi_param  REMOTE_USER        $remote_user;',
      'fastcgi_param  SERVER_ADDR        $server_addr;',
      'fastcgi_param  SERVER_PORT        $server_port;',
      'fastcgi_param  SERVER_NAME        $server_name;',
      '',
      '# PHP only, required if PHP was built with --enable-force-cgi-redirect',
      'fastcgi_param  REDIRECT_STATUS    200;',
    ]),
  },
  {
    name: 'snippets/fastcgi-php.conf',
    path: '/etc/nginx/snippets/fastcgi-php.conf',
    content: lines([
      '# regex to split $uri to $fastcgi_script_name and $fastcgi_path',
      'fastcgi_split_path_info ^(.+?\\.php)(/.*)$;',
      '',
      '# Check that the PHP script exists before passing it',
      'try_files $fastcgi_script_name =404;',
      '',
      '# Bypass the fact that try_files resets $fastcgi_path_info',
      '# see: http://trac.nginx.org/nginx/ticket/321',
      'set $path_info $fastcgi_path_info;',
      'fastcgi_param PATH_INFO $path_info;',
      '',
      'fastcgi_index index.php;',
      'include fastcgi.conf;',
    ]),
  },
  {
    name: 'mime.types',
    path: '/etc/nginx/mime.types',
    content: lines([
      '',
      'types {',
      '    text/html                             html htm shtml;',
      '    text/css                              css;',
      '    text/xml                              xml;',
      '    image/gif                             gif;',
      '    image/jpeg                            jpeg jpg;',
      '    application/javascript                js;',
      '    application/atom+xml                  atom;',
      '    application/rss+xml                   rss;',
      '',
      '    text/mathml                           mml;',
      '    text/plain                            txt;',
      '    text/vnd.sun.j2me.app-descriptor      jad;',
      '    text/vnd.wap.wml                      wml;',
      '    text/x-component                      htc;',
      '',
      '    image/avif                            avif;',
      '    image/png                             png;',
      '    image/svg+xml                         svg svgz;',
      '    image/tiff                            tif tiff;',
      '    image/vnd.wap.wbmp                    wbmp;',
      '    image/webp                            webp;',
      '    image/x-icon                          ico;',
      '    image/x-jng                           jng;',
      '    image/x-ms-bmp                        bmp;',
      '',
      '    font/woff                             woff;',
      '    font/woff2                            woff2;',
      '',
      '    application/java-archive              jar war ear;',
      '    application/json                      json;',
      '    application/mac-binhex40              hqx;',
      '    application/msword                    doc;',
      '    application/pdf                       pdf;',
      '    application/postscript                ps eps ai;',
      '    application/rtf                       rtf;',
      '    application/vnd.apple.mpegurl         m3u8;',
      '    application/vnd.google-earth.kml+xml  kml;',
      '    application/vnd.google-earth.kmz      kmz;',
      '    application/vnd.ms-excel              xls;',
      '    application/vnd.ms-fontobject         eot;',
      '    application/vnd.ms-powerpoint         ppt;',
      '    application/vnd.oasis.opendocument.graphics        odg;',
      '    application/vnd.oasis.opendocument.presentation    odp;',
      '    application/vnd.oasis.opendocument.spreadsheet     ods;',
      '    application/vnd.oasis.opendocument.text            odt;',
      '    application/vnd.openxmlformats-officedocument.presentationml.presentation    pptx;',
      '    application/vnd.openxmlformats-officedocument.spreadsheetml.sheet    xlsx;',
      '    application/vnd.openxmlformats-officedocument.wordprocessingml.document    docx;',
      '    application/vnd.wap.wmlc              wmlc;',
      '    application/wasm                      wasm;',
      '    application/x-7z-compressed           7z;',
      '    application/x-cocoa                   cco;',
      '    application/x-java-archive-diff       jardiff;',
      '    application/x-java-jnlp-file          jnlp;',
      '    application/x-makeself                run;',
      '    application/x-perl                    pl pm;',
      '    application/x-pilot                   prc pdb;',
      '    application/x-rar-compressed          rar;',
      '    application/x-redhat-package-manager  rpm;',
      '    application/x-sea                     sea;',
      '    application/x-shockwave-flash         swf;',
      '    application/x-stuffit                 sit;',
      '    application/x-tcl                     tcl tk;',
      '    application/x-x509-ca-cert            der pem crt;',
      '    application/x-xpinstall               xpi;',
      '    application/xhtml+xml                 xhtml;',
      '    application/xspf+xml                  xspf;',
      '    application/zip                       zip;',
      '',
      '    application/octet-stream              bin exe dll;',
      '    application/octet-stream              deb;',
      '    application/octet-stream              dmg;',
      '    application/octet-stream              iso img;',
      '    application/octet-stream              msi msp msm;',
      '',
      '    audio/midi                            mid midi kar;',
      '    audio/mpeg                            mp3;',
      '    audio/ogg                             ogg;',
      '    audio/x-m4a                           m4a;',
      '    audio/x-realaudio                     ra;',
      '',
      '    video/3gpp                            3gpp 3gp;',
      '    video/mp2t                            ts;',
      '    video/mp4                             mp4;',
      '    video/mpeg                            mpeg mpg;',
      '    video/quicktime                       mov;',
      '    video/webm                            webm;',
      '    video/x-flv                           flv;',
      '    video/x-m4v                           m4v;',
      '    video/x-mng                           mng;',
      '    video/x-ms-asf                        asx asf;',
      '    video/x-ms-wmv                        wmv;',
      '    video/x-msvideo                       avi;',
      '}',
    ]),
  },
  {
    // certbot --nginx writes this file and includes it in every server it edits; it holds only ssl_* settings,
    // in every version certbot has shipped (certbot-nginx/src/certbot_nginx/_internal/tls_configs/
    // options-ssl-nginx*.conf), so a site copied off its server loses nothing that reaches the app.
    name: '/etc/letsencrypt/options-ssl-nginx.conf',
    path: '/etc/letsencrypt/options-ssl-nginx.conf',
    origin: "certbot's",
    content: lines([
      '# This file contains important security parameters. If you modify this file',
      '# manually, Certbot will be unable to automatically provide future security',
      '# updates. Instead, Certbot will print and log an error message with a path to',
      '# the up-to-date file that you will need to refer to when manually updating',
      '# this file. Contents are based on https://ssl-config.mozilla.org',
      '',
      'ssl_session_cache shared:le_nginx_SSL:10m;',
      'ssl_session_timeout 1440m;',
      '',
      'ssl_protocols TLSv1.2 TLSv1.3;',
      'ssl_prefer_server_ciphers off;',
      '',
      'ssl_ciphers "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384";',
    ]),
  },
  {
    name: 'snippets/snakeoil.conf',
    path: '/etc/nginx/snippets/snakeoil.conf',
    content: lines([
      '# Self signed certificates generated by the ssl-cert package',
      "# Don't use them in a production server!",
      '',
      'ssl_certificate /etc/ssl/certs/ssl-cert-snakeoil.pem;',
      'ssl_certificate_key /etc/ssl/private/ssl-cert-snakeoil.key;',
    ]),
  },
];

const BY_NAME = new Map(STOCK_FILES.map((f) => [f.name, f]));

/** The stock file an include argument names (`proxy_params`, `/etc/nginx/proxy_params`), if any. */
export function stockFileFor(includeArg: string): StockFile | undefined {
  const direct = BY_NAME.get(includeArg.replace(/^\.\//, ''));
  if (direct) return direct;
  for (const f of STOCK_FILES) if (includeArg === f.path) return f;
  return undefined;
}
