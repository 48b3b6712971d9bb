#!/bin/sh
# Grafana's entrypoint in docker-compose.yml: settles the admin password, then runs Grafana's own
# entrypoint (the arguments). Grafana takes GF_SECURITY_ADMIN_PASSWORD only when it creates its
# database, at the first start; unset, it would make the admin's password "admin".
#  - GF_SECURITY_ADMIN_PASSWORD set (GRAFANA_ADMIN_PASSWORD in compose's environment): used.
#  - First start: a random password is generated into $GF_PATHS_DATA/admin-password (mode 0600,
#    in Grafana's volume); `docker compose exec grafana cat /var/lib/grafana/admin-password`.
#  - Later starts: the database keeps the password; this file, when present, is read again.
# The password itself is never printed. POSIX sh and busybox tools only.
set -eu
data=${GF_PATHS_DATA:-/var/lib/grafana}
file=$data/admin-password
if [ -n "${GF_SECURITY_ADMIN_PASSWORD:-}" ]; then
  if [ -e "$data/grafana.db" ]; then
    echo "qwen-otel: Grafana's database exists: GRAFANA_ADMIN_PASSWORD applies only at the first start (change it with: grafana cli admin reset-admin-password)"
  fi
elif [ -s "$file" ]; then
  GF_SECURITY_ADMIN_PASSWORD=$(cat "$file")
elif [ -e "$data/grafana.db" ]; then
  echo "qwen-otel: Grafana's database exists without $file: the admin password is the one set at its first start"
else
  GF_SECURITY_ADMIN_PASSWORD=$(od -An -N18 -tx1 /dev/urandom | tr -d ' \n')   # 144 random bits
  (umask 077 && printf '%s\n' "$GF_SECURITY_ADMIN_PASSWORD" > "$file.tmp")
  mv "$file.tmp" "$file"
  echo "qwen-otel: Grafana's admin password was generated into $file: docker compose exec grafana cat $file"
fi
export GF_SECURITY_ADMIN_PASSWORD
exec "$@"
