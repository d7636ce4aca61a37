# Puma hands X-Forwarded-* to Rack unchanged; Rails decides the scheme.
bind "tcp://{{APP_ADDR}}:{{APP_PORT}}"
workers 0
threads 1, 4
