#!/usr/bin/env bash
# Installs the Debian packages Warden's tests need (bubblewrap for the sandbox, util-linux for prlimit/setpriv,
# apparmor for parse-only profile checks; git, python3 and make are programs the sandbox tests run). A no-op when they are already there.
set -euo pipefail
need=()
command -v bwrap >/dev/null 2>&1 || need+=(bubblewrap)
command -v prlimit >/dev/null 2>&1 || need+=(util-linux)
command -v setpriv >/dev/null 2>&1 || need+=(util-linux)
command -v apparmor_parser >/dev/null 2>&1 || need+=(apparmor)
command -v git >/dev/null 2>&1 || need+=(git)
command -v python3 >/dev/null 2>&1 || need+=(python3)
command -v make >/dev/null 2>&1 || need+=(make)
[ ${#need[@]} -eq 0 ] && exit 0
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends $(printf '%s\n' "${need[@]}" | sort -u)
