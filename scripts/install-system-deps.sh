#!/usr/bin/env bash
# Installs the Debian packages the lab, the browser engine and the benchmarks need.
# Idempotent: exits quickly when everything is already there. Needs root (or sudo) for apt-get.
# Used by .ci/run and by `npm test` (scripts/run-tests.mjs) when it runs as root.
set -euo pipefail
PKGS=(nginx caddy haproxy apache2 python3-django gunicorn python3-uvicorn python3-flask python3-werkzeug ruby-rails puma
      chromium mkcert libnss3-tools openssl iproute2 procps ca-certificates curl daphne
      python3-waitress uwsgi uwsgi-plugin-python3 tomcat10
      php-fpm php-symfony-http-foundation php-laravel-framework)
# Phusion Passenger for Apache (lab 60: Apache -> Passenger -> Rails).
PKGS+=(libapache2-mod-passenger)
# mod_php for Apache (test/php/apache-mod-php.test.ts loads it in its own config only; prefork MPM).
PKGS+=(libapache2-mod-php)
# mod_wsgi for Apache (test/python/mod-wsgi.test.ts loads it in its own config only).
PKGS+=(libapache2-mod-wsgi-py3)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-system-deps: all ${#PKGS[@]} packages present"
  exit 0
fi
echo "install-system-deps: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "install-system-deps: not root and no sudo; install by hand: apt-get install ${missing[*]}" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
# Debian starts nginx, apache2 and haproxy on install; the lab starts its own instances on free ports and
# needs 80/443 free. A policy-rc.d that denies service starts (the usual container practice) prevents that;
# it is only added when none exists, and removed again.
POLICY=/usr/sbin/policy-rc.d
added_policy=0
if [ ! -e "$POLICY" ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$POLICY" >/dev/null
  $SUDO chmod 755 "$POLICY"
  added_policy=1
fi
cleanup() { if [ "$added_policy" = 1 ]; then $SUDO rm -f "$POLICY"; fi; }
trap cleanup EXIT
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# Where a service was started anyway (systemd ignoring policy-rc.d), stop the packaged instance by its own
# service manager only — never by process name, which would hit the lab's instances.
for svc in nginx apache2 haproxy caddy; do
  if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
    $SUDO systemctl stop "$svc" >/dev/null 2>&1 || true
    $SUDO systemctl disable "$svc" >/dev/null 2>&1 || true
  elif command -v service >/dev/null 2>&1; then
    $SUDO service "$svc" stop >/dev/null 2>&1 || true
  fi
done
echo "install-system-deps: done"
