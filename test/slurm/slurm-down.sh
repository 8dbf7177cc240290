#!/usr/bin/env bash
# Stops the cluster slurm-up.sh started in STATE_DIR (by the pids it recorded) and removes nothing else.
set -uo pipefail
dir=${1:?usage: slurm-down.sh STATE_DIR}
for pidfile in "$dir/slurmd.pid" "$dir/slurmctld.pid" "$dir/munge/munged.pid"; do
  [ -s "$pidfile" ] || continue
  pid=$(cat "$pidfile")
  kill "$pid" 2>/dev/null || continue
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
done
exit 0
