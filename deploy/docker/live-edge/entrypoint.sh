#!/bin/sh
# Writes the live edge's config with media's ingest hook (its URL carries MEDIA_INGEST_SECRET) and starts nginx.
# The root filesystem is read-only: the config, pid and temp files go to /tmp (an emptyDir).
set -eu
: "${MEDIA_INGEST_SECRET:?MEDIA_INGEST_SECRET is required (the secret in media ingest hook URL)}"
: "${MEDIA_INGEST_HOOK_URL:=http://media:8090}"
case "$MEDIA_INGEST_SECRET" in
  *[!A-Za-z0-9_-]*) echo "MEDIA_INGEST_SECRET must be URL-safe (letters, digits, - and _)" >&2; exit 2 ;;
esac
mkdir -p /tmp/nginx /var/lib/jiceng/live/hls
sed "s#@INGEST_HOOK@#${MEDIA_INGEST_HOOK_URL}/rtmp/${MEDIA_INGEST_SECRET}#g" \
  /etc/jiceng/live-edge/nginx.conf.template > /tmp/nginx/nginx.conf
exec /usr/sbin/nginx -c /tmp/nginx/nginx.conf -p /tmp/nginx -e stderr
