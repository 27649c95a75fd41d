#!/usr/bin/env bash
# Debian packages the local stack and the tests need (installed once; a no-op when present).
set -euo pipefail
need=()
[ -x /usr/lib/rabbitmq/bin/rabbitmq-server ] || need+=(rabbitmq-server)
[ -x /usr/bin/redis-server ] || need+=(redis-server)
python3 -c 'import venv, ensurepip' 2>/dev/null || need+=(python3-venv)
command -v wrk >/dev/null || need+=(wrk)  # make bench's HTTP load generator
command -v ffmpeg >/dev/null || need+=(ffmpeg)  # media: probing, thumbnails of videos, HLS transcoding
[ -x /usr/bin/turnserver ] || need+=(coturn)  # media: STUN/TURN for calls
[ -x /usr/sbin/nginx ] || need+=(nginx)  # media: the live edge (RTMP in, HLS out)
[ -f /usr/lib/nginx/modules/ngx_rtmp_module.so ] || need+=(libnginx-mod-rtmp)
[ -x /usr/bin/chromium ] || need+=(chromium)  # the web app's browser tests (tests/browser), headless
[ -f /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ] || need+=(fonts-wqy-microhei)  # Chinese in screenshots
# The web app builds with Node.js >= 20.19 (Vite 8) and npm: this machine's, or Debian's where it has none.
command -v npm >/dev/null || need+=(nodejs npm)
if ((${#need[@]})); then
  echo "installing Debian packages: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
# The Debian packages start a system-wide broker on 5672 and a Redis on 6379; the platform runs its own
# per region.
if command -v service >/dev/null && pgrep -f 'rabbit@' >/dev/null 2>&1; then
  service rabbitmq-server stop >/dev/null 2>&1 || true
fi
if command -v service >/dev/null && pgrep -f 'redis-server 127.0.0.1:6379' >/dev/null 2>&1; then
  service redis-server stop >/dev/null 2>&1 || true
fi
# coturn's package may start a system-wide TURN server (3478, its /etc/turnserver.conf); the platform runs
# its own per region (devstack: turnserver -n …), which this leaves alone.
if command -v service >/dev/null && pgrep -f 'turnserver -c /etc/turnserver.conf' >/dev/null 2>&1; then
  service coturn stop >/dev/null 2>&1 || true
fi
# nginx's package starts a web server on :80; the platform runs its own nginx-rtmp per region.
if command -v service >/dev/null && pgrep -f 'nginx: master process /usr/sbin/nginx -g' >/dev/null 2>&1; then
  service nginx stop >/dev/null 2>&1 || true
fi
