// An outer bwrap around a Warden run, for the tests that take a kernel feature away from it: the host's files
// read-only, its own /dev, the host's /proc, a private /tmp, `base` writable, a new user namespace, and
// optionally no further user namespaces inside (what a distribution restricting them looks like to bwrap).
export function outerBwrapArgs(base: string, options: { disableUserns: boolean }): string[] {
  return [
    "--ro-bind",
    "/",
    "/",
    "--dev",
    "/dev",
    "--bind",
    "/proc",
    "/proc",
    "--tmpfs",
    "/tmp",
    "--bind",
    base,
    base,
    "--unshare-user",
    ...(options.disableUserns ? ["--disable-userns"] : []),
    "--die-with-parent",
  ];
}
