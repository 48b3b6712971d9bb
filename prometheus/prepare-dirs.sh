#!/bin/sh
# Run once by docker-compose.yml's "prepare" service, as root, before Prometheus starts:
#   prepare-dirs.sh REFERENCE DIR...
# makes each DIR and, when it belongs to root (Docker creates a missing bind-mount source as
# root), gives it to the owner of REFERENCE (the user's home). Otherwise qwen-otel, run by the
# user, could not write its file_sd targets there nor its run records beside them. A directory
# that already belongs to someone is left as it is. POSIX sh and busybox tools only.
set -eu
reference=$1
shift
owner=$(stat -c %u:%g "$reference")
for dir in "$@"; do
  mkdir -p "$dir"
  if [ "$(stat -c %u "$dir")" = 0 ] && [ "${owner%%:*}" != 0 ]; then
    chown "$owner" "$dir"
    echo "qwen-otel: $dir now belongs to $owner, the owner of $reference"
  fi
done
