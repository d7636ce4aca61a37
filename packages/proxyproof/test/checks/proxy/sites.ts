/** Small nginx and Ingress sites for the generic proxy checks' tables (they run on every proxy's sites). */

/** An nginx TLS server on :443 for app.example.com; `body` starts at line 5. */
export const NGINX = (body: string) =>
  `http {\n  server {\n    listen 443 ssl;\n    server_name app.example.com;\n${body}\n  }\n}\n`;

/** An ingress-nginx Ingress with tls: for app.example.com to Service web:8000; `annotations` are indented lines. */
export const INGRESS = (annotations: string) =>
  `apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: web\n${annotations ? `  annotations:\n${annotations}` : ''}spec:\n  ingressClassName: nginx\n  tls:\n  - hosts: [app.example.com]\n    secretName: app-tls\n  rules:\n  - host: app.example.com\n    http:\n      paths:\n      - path: /\n        pathType: Prefix\n        backend:\n          service:\n            name: web\n            port:\n              number: 8000\n`;
