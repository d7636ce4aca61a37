// The tree of the PHP image tests (mod-php, serversideup): an nginx that ends TLS in front of a compose service `app`
// running the image under test, with the headers a correct proxy sends.
export const NGINX = (upstream: string) =>
  `server {\n  listen 443 ssl;\n  server_name shop.example.com;\n  ssl_certificate /etc/ssl/a.pem;\n  ssl_certificate_key /etc/ssl/a.key;\n  location / {\n    proxy_pass http://${upstream};\n    proxy_set_header Host $host;\n    proxy_set_header X-Forwarded-Proto $scheme;\n  }\n}\n`;

export const compose = (app: string[]) =>
  ['services:', '  proxy:', '    image: nginx:1.27', '    ports: ["443:443"]', '  app:', ...app.map((l) => `    ${l}`), ''].join(
    '\n',
  );
