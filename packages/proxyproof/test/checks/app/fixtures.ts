/** Small, realistic app-end trees for the checks/app case tables (Rails, Laravel, Symfony, Spring, ASP.NET, Gin). */

export const RAILS_APP =
  'require_relative "boot"\nrequire "rails/all"\n\nmodule Blog\n  class Application < Rails::Application\n    config.load_defaults 7.0\n  end\nend\n';

export function railsProduction(lines: string[]): string {
  return ['Rails.application.configure do', '  config.cache_classes = true', ...lines.map((l) => `  ${l}`), 'end', ''].join('\n');
}

export const PUMA_SOCKET = 'workers 2\nthreads 5, 5\nbind "unix:///var/www/blog/tmp/puma.sock"\n';
export const PUMA_PORT = 'threads 5, 5\nport ENV.fetch("PORT") { 3000 }\n';

/** nginx TLS site proxying to an upstream Puma socket. */
export function nginxPuma(headers: string[], listenTls = true): string {
  return [
    'upstream blog {',
    '    server unix:///var/www/blog/tmp/puma.sock;',
    '}',
    'server {',
    listenTls ? '    listen 443 ssl;' : '    listen 80;',
    '    server_name blog.example.com;',
    '    location / {',
    '        proxy_pass http://blog;',
    ...headers.map((h) => `        ${h}`),
    '    }',
    '}',
    '',
  ].join('\n');
}

export const LARAVEL11_BOOTSTRAP = [
  '<?php',
  '',
  'use Illuminate\\Foundation\\Application;',
  'use Illuminate\\Foundation\\Configuration\\Middleware;',
  '',
  'return Application::configure(basePath: dirname(__DIR__))',
  "    ->withRouting(web: __DIR__.'/../routes/web.php')",
  '    ->withMiddleware(function (Middleware $middleware): void {',
  '        //',
  '    })',
  '    ->create();',
  '',
].join('\n');

export function laravelMiddleware(proxies: string): string {
  return [
    '<?php',
    '',
    'namespace App\\Http\\Middleware;',
    '',
    'use Illuminate\\Http\\Middleware\\TrustProxies as Middleware;',
    '',
    'class TrustProxies extends Middleware',
    '{',
    `    protected $proxies${proxies};`,
    '}',
    '',
  ].join('\n');
}

export const PROXY_COMPOSE = [
  'services:',
  '  proxy:',
  '    image: nginx:1.27',
  '    ports:',
  '      - "443:443"',
  '  app:',
  '    build: .',
  '    environment:',
  '      APP_ENV: production',
  '',
].join('\n');

export function ginServer(extra: string[]): string {
  return [
    'package api',
    '',
    'import "github.com/gin-gonic/gin"',
    '',
    'func New() *gin.Engine {',
    '\tr := gin.New()',
    ...extra.map((l) => `\t${l}`),
    '\tr.POST("/login", func(c *gin.Context) { limiter.Allow(c.ClientIP()) })',
    '\treturn r',
    '}',
    '',
  ].join('\n');
}

/** An Echo v4 server (`e := echo.New()` on line 10) with the given lines before Start; `c.RealIP()` keys a limiter. */
export function echoServer(extra: string[], version = 'v4'): string {
  return [
    'package main',
    '',
    'import (',
    '	"net/http"',
    '',
    `	"github.com/labstack/echo/${version}"`,
    ')',
    '',
    'func main() {',
    '	e := echo.New()',
    ...extra.map((l) => `	${l}`),
    '	e.POST("/login", func(c echo.Context) error { limiter.Allow(c.RealIP()); return c.NoContent(http.StatusOK) })',
    '	e.Logger.Fatal(e.Start(":8080"))',
    '}',
    '',
  ].join('\n');
}

/** A chi v5 server with the given middleware lines (`r := chi.NewRouter()` on line 10), on :3000. */
export function chiServer(use: string[]): string {
  return [
    'package main',
    '',
    'import (',
    '	"net/http"',
    '',
    '	"github.com/go-chi/chi/v5"',
    '	"github.com/go-chi/chi/v5/middleware"',
    ')',
    'func main() {',
    '	r := chi.NewRouter()',
    ...use.map((l) => `	${l}`),
    '	r.Post("/login", func(w http.ResponseWriter, r *http.Request) { limiter.Allow(r.RemoteAddr) })',
    '	http.ListenAndServe(":3000", r)',
    '}',
    '',
  ].join('\n');
}

/** A Phoenix app: config/prod.exs with the given endpoint lines, the generated runtime.exs (PORT, default 4000). */
export function phoenixApp(prodEndpoint: string[], endpointPlugs: string[] = []): Record<string, string> {
  return {
    'config/prod.exs': [
      'import Config',
      '',
      'config :shop, ShopWeb.Endpoint,',
      ...prodEndpoint.map((l, i) => `  ${l}${i < prodEndpoint.length - 1 ? ',' : ''}`),
      '',
      'config :logger, level: :info',
      '',
    ].join('\n'),
    'config/runtime.exs': [
      'import Config',
      '',
      'if config_env() == :prod do',
      '  port = String.to_integer(System.get_env("PORT") || "4000")',
      '',
      '  config :shop, ShopWeb.Endpoint,',
      '    url: [host: "shop.example.com", port: 443, scheme: "https"],',
      '    http: [ip: {0, 0, 0, 0, 0, 0, 0, 0}, port: port]',
      'end',
      '',
    ].join('\n'),
    'lib/shop_web/endpoint.ex': [
      'defmodule ShopWeb.Endpoint do',
      '  use Phoenix.Endpoint, otp_app: :shop',
      '',
      ...endpointPlugs.map((l) => `  ${l}`),
      '  plug ShopWeb.Router',
      'end',
      '',
    ].join('\n'),
  };
}

/** nginx TLS site proxying to Phoenix on 127.0.0.1:4000 with the given header lines. */
export function nginxPhoenix(headers: string[]): string {
  return [
    'server {',
    '    listen 443 ssl;',
    '    server_name shop.example.com;',
    '    location / {',
    '        proxy_pass http://127.0.0.1:4000;',
    ...headers.map((h) => `        ${h}`),
    '    }',
    '}',
    '',
  ].join('\n');
}

/** An ASP.NET Core minimal host: `builder.` lines before Build(), the others after it, then `tail` before the routes. */
export function aspnetProgram(extra: string[], tail: string[] = []): string {
  return [
    'var builder = WebApplication.CreateBuilder(args);',
    ...extra.filter((l) => l.startsWith('builder.')),
    'var app = builder.Build();',
    ...extra.filter((l) => !l.startsWith('builder.')),
    ...tail,
    'app.MapGet("/", () => "Hello");',
    'app.Run();',
    '',
  ].join('\n');
}

/**
 * nginx TLS in front of an HTTP backend, forwarding Host, X-Forwarded-For and X-Forwarded-Proto; `serverLines` go
 * after server_name (ssl_certificate...).
 */
export function nginxTlsProxy(upstream: string, serverName = 'app.example.com', serverLines: string[] = []): string {
  return [
    'server {',
    '    listen 443 ssl;',
    `    server_name ${serverName};`,
    ...serverLines.map((l) => `    ${l}`),
    '    location / {',
    `        proxy_pass http://${upstream};`,
    '        proxy_set_header Host $host;',
    '        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;',
    '        proxy_set_header X-Forwarded-Proto $scheme;',
    '    }',
    '}',
    '',
  ].join('\n');
}
