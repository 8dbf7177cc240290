#!/usr/bin/env bash
# Starts a throw-away single-node Slurm (munged, slurmctld, slurmd from Debian's packages) for the tests.
# Usage: slurm-up.sh STATE_DIR   — everything (keys, sockets, spool, logs, slurm.conf) lives in STATE_DIR.
# Prints SLURM_CONF=STATE_DIR/slurm.conf on success; export it before calling sbatch/squeue/scontrol/scancel.
# Stop it with slurm-down.sh STATE_DIR. Needs root (slurmd starts jobs as their owner) and the packages
# `slurmd slurmctld munge` (.ci/install-vscode-tools.sh installs them).
set -euo pipefail
dir=${1:?usage: slurm-up.sh STATE_DIR}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
for tool in munged mungekey slurmctld slurmd sbatch squeue scontrol scancel; do
  command -v "$tool" >/dev/null || { echo "slurm-up: $tool is not installed (apt-get install slurmd slurmctld munge)" >&2; exit 3; }
done
[ "$(id -u)" -eq 0 ] || { echo "slurm-up: must run as root (slurmd runs jobs as their owner)" >&2; exit 3; }

mkdir -p "$dir/munge" "$dir/ctld" "$dir/spool"
chmod 700 "$dir/munge"
# A fresh key for this cluster only; --force lets munged run with the key and socket in a temporary folder.
mungekey --create --force --keyfile="$dir/munge/munge.key" >/dev/null 2>&1 ||
  dd if=/dev/urandom of="$dir/munge/munge.key" bs=1024 count=1 status=none
chmod 400 "$dir/munge/munge.key"
munged --force --key-file="$dir/munge/munge.key" --socket="$dir/munge/munge.socket" \
  --pid-file="$dir/munge/munged.pid" --log-file="$dir/munge/munged.log" --seed-file="$dir/munge/munged.seed"

host=$(hostname -s)
cpus=$(nproc)
# Ports: a pseudo-random pair so a leftover cluster or another test run on the machine does not collide.
base=$((20000 + (RANDOM % 2000) * 2))
cat >"$dir/slurm.conf" <<CONF
ClusterName=hyperbo-test
SlurmctldHost=$host
SlurmctldPort=$base
SlurmdPort=$((base + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$dir/munge/munge.socket
StateSaveLocation=$dir/ctld
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
JobAcctGatherType=jobacct_gather/none
ReturnToService=2
MinJobAge=600
SlurmctldTimeout=30
SlurmdTimeout=30
MpiDefault=none
NodeName=$host CPUs=$cpus State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP OverSubscribe=FORCE:4
CONF
export SLURM_CONF="$dir/slurm.conf"
slurmctld -f "$SLURM_CONF"
slurmd -f "$SLURM_CONF"

# Ready when the node accepts jobs (about 2 s).
for _ in $(seq 1 150); do
  state=$(sinfo -h -N -o %t 2>/dev/null | head -n1 || true)
  case "$state" in idle|mix|alloc) echo "SLURM_CONF=$SLURM_CONF"; exit 0 ;; esac
  sleep 0.1
done
echo "slurm-up: the node did not become idle within 15 s (state: ${state:-none}); logs in $dir" >&2
tail -n 20 "$dir/slurmctld.log" "$dir/slurmd.log" >&2 || true
exit 1
