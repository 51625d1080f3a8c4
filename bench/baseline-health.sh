#!/usr/bin/env bash
# The runbooks' way: one curl per HTTP check, then pg_isready and redis-cli ping, one after another.
# Usage: baseline-health.sh URLS_FILE PG_BIN PG_HOST PG_PORT REDIS_HOST REDIS_PORT   (REDISCLI_AUTH holds the password)
set -u
urls=$1 pgbin=$2 pghost=$3 pgport=$4 redishost=$5 redisport=$6
unhealthy=0
while read -r url; do
  code=$(curl -s -o /dev/null -m 5 -w '%{http_code}' "$url")
  [ "$code" = 200 ] || unhealthy=$((unhealthy + 1))
done < "$urls"
"$pgbin/pg_isready" -q -h "$pghost" -p "$pgport" -t 5 || unhealthy=$((unhealthy + 1))
[ "$(redis-cli -h "$redishost" -p "$redisport" --no-auth-warning ping)" = PONG ] || unhealthy=$((unhealthy + 1))
echo "unhealthy=$unhealthy"
