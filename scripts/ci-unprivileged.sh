#!/usr/bin/env bash
# Runs the sandbox test suite (test/sandbox, real bwrap) again as uid/gid 65534, the way most users run Warden:
# without root, bwrap has to create its user namespace unprivileged, and nothing may rely on root's powers.
# Must be started as root after `npm ci` and `npm run build`, from anywhere inside the repository.
#
#   scripts/ci-unprivileged.sh [RESULTS_JSON] [VITEST_FILTER...]
#
# RESULTS_JSON (optional) receives vitest's JSON report, for .ci/run's summary. Filters default to test/sandbox.
# Set WARDEN_CI_KEEP=1 to keep the copied tree for debugging.
set -euo pipefail

UID_NOBODY=65534
repo=$(cd "$(dirname "$0")/.." && pwd)
results_out=${1:-}
[ $# -gt 0 ] && shift
filters=("$@")
[ ${#filters[@]} -eq 0 ] && filters=(test/sandbox)

die() {
  printf 'ci-unprivileged: %s\n' "$*" >&2
  exit 1
}

# Fail, never skip: a silently skipped unprivileged run would look like a passing one.
[ "$(id -u)" -eq 0 ] ||
  die "must run as root to switch to uid $UID_NOBODY (running as uid $(id -u)); if CI itself is unprivileged, \`npm test\` already covered this"
command -v setpriv >/dev/null 2>&1 ||
  die "setpriv not found; it is in util-linux (\`apt-get install util-linux\`, see scripts/install-system-deps.sh)"
command -v bwrap >/dev/null 2>&1 ||
  die "bwrap not found; install bubblewrap (\`apt-get install bubblewrap\`, see scripts/install-system-deps.sh)"
[ -f "$repo/dist/warden.js" ] || die "dist/warden.js missing; run \`npm run build\` first"
[ -f "$repo/node_modules/vitest/vitest.mjs" ] || die "node_modules/vitest missing; run \`npm ci\` first"

as_nobody=(setpriv --reuid="$UID_NOBODY" --regid="$UID_NOBODY" --clear-groups)
node_bin=$(command -v node)
err=$("${as_nobody[@]}" "$node_bin" -e '' 2>&1) ||
  die "uid $UID_NOBODY cannot run $node_bin (installed where only root can read it?): ${err:-<no output>}"

# The same namespaces the probe (src/sandbox/probe.ts) asks for, but as the unprivileged user.
if ! err=$("${as_nobody[@]}" bwrap --unshare-all --unshare-user --die-with-parent --ro-bind / / /bin/true 2>&1); then
  {
    echo "ci-unprivileged: unprivileged user namespaces do not work on this machine, so the sandbox cannot be tested as uid $UID_NOBODY"
    echo "  bwrap said: ${err:-<nothing>}"
    for f in /proc/sys/kernel/unprivileged_userns_clone /proc/sys/user/max_user_namespaces \
      /proc/sys/kernel/apparmor_restrict_unprivileged_userns; do
      [ -r "$f" ] && echo "  $f = $(cat "$f")"
    done
    echo "  enable them (kernel.unprivileged_userns_clone=1, user.max_user_namespaces>0, on Ubuntu ≥ 23.10"
    echo "  kernel.apparmor_restrict_unprivileged_userns=0), or run CI in a container whose seccomp/AppArmor profile allows unshare"
  } >&2
  exit 1
fi

# The CI clone may sit where uid 65534 cannot even traverse (/root is 0700), and vitest writes its cache into
# node_modules/.vite: work on a private copy owned by 65534. .git is left out; nothing in the suite reads it.
work=$(mktemp -d /var/tmp/warden-ci-unprivileged.XXXXXX)
cleanup() {
  if [ "${WARDEN_CI_KEEP:-}" = 1 ]; then
    echo "ci-unprivileged: kept $work" >&2
  else
    rm -rf "$work"
  fi
}
trap cleanup EXIT
mkdir -p "$work/repo" "$work/home" "$work/tmp"
tar -C "$repo" --exclude=./.git --owner="$UID_NOBODY" --group="$UID_NOBODY" --numeric-owner -cf - . |
  tar -C "$work/repo" --same-owner -xf -
chown "$UID_NOBODY:$UID_NOBODY" "$work" "$work/repo" "$work/home" "$work/tmp"

report="$work/vitest.json"
echo "ci-unprivileged: running ${filters[*]} in $work/repo as $("${as_nobody[@]}" id) (bwrap $(bwrap --version | sed 's/^bubblewrap //'))"
set +e
(
  cd "$work/repo"
  # A clean environment: root's HOME, TMPDIR and npm settings must not leak into the unprivileged run.
  exec "${as_nobody[@]}" env -i \
    PATH="$PATH" \
    HOME="$work/home" \
    USER=nobody \
    LOGNAME=nobody \
    TMPDIR="$work/tmp" \
    XDG_CACHE_HOME="$work/home/.cache" \
    XDG_CONFIG_HOME="$work/home/.config" \
    XDG_STATE_HOME="$work/home/.local/state" \
    LANG=C.UTF-8 \
    CI="${CI:-}" \
    "$node_bin" node_modules/vitest/vitest.mjs run "${filters[@]}" \
    --reporter=default --reporter=json --outputFile.json="$report"
)
status=$?
set -e
if [ -n "$results_out" ]; then
  if [ -f "$report" ]; then cp "$report" "$results_out"; else rm -f "$results_out"; fi
fi
exit $status
