# /etc/nginx/sites-enabled/api.example.com — FastAPI (uvicorn) behind nginx.

server {
    listen 80;
    server_name api.example.com;
    return 301 https://$host$request_uri;
}

server {
    listen 443 ssl http2;
    server_name api.example.com;

    ssl_certificate /etc/letsencrypt/live/api.example.com/fullchain.pem;
    ssl_certificate_key /etc/letsencrypt/live/api.example.com/privkey.pem;

    # Host, X-Real-IP, X-Forwarded-For and X-Forwarded-Proto for every location below...
    include proxy_params;

    location / {
        proxy_pass http://127.0.0.1:8000;
    }

    # ...except this one: a location with its own proxy_set_header inherits none of them.
    location /ws/ {
        proxy_pass http://127.0.0.1:8000;
        proxy_http_version 1.1;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection "upgrade";
    }
}
