// Sandbox tests against real bubblewrap. They fail (never skip) when bwrap is missing or cannot create namespaces.
// Temp dirs live under /var/tmp, not /tmp: inside the sandbox /tmp is a fresh tmpfs, so a write "outside" into
// /tmp would land in that throwaway tmpfs and prove nothing.
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { basename, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildBwrapArgs, type SandboxSpec } from "../../src/sandbox/bwrap-args.ts";
import { probeSandbox } from "../../src/sandbox/probe.ts";
import { runSandboxed } from "../../src/sandbox/run.ts";
import { seccompInstructions, seccompProgram } from "../../src/sandbox/seccomp.ts";
import { tempDir } from "../tmp.ts";

let base = "";
let ws = "";
let outside = "";
let fakeBin = "";
let fakeBin2 = "";
let secretFile = "";
let secretDir = "";

beforeAll(() => {
  base = tempDir("warden-sandbox-test-", { varTmp: true });
  ws = join(base, "ws");
  outside = join(base, "outside");
  fakeBin = join(base, "bin");
  fakeBin2 = join(base, "bin2");
  secretFile = join(base, "secret.txt");
  secretDir = join(base, "secrets");
  for (const d of [ws, outside, fakeBin, fakeBin2, secretDir]) mkdirSync(d);
  writeFileSync(secretFile, "TOPSECRET-FILE\n");
  writeFileSync(join(secretDir, "key"), "TOPSECRET-DIR\n");
  for (const p of ["docker", "ansible", "vagrant"]) {
    writeFileSync(join(fakeBin, p), "#!/bin/sh\nexit 0\n");
    chmodSync(join(fakeBin, p), 0o755);
  }
  // A second PATH entry reaching the same program through a symlink: masked via realpath.
  symlinkSync(join(fakeBin, "docker"), join(fakeBin2, "docker2"));
  symlinkSync(outside, join(ws, "out-link"));
  symlinkSync(secretFile, join(ws, "secret-link"));
});

function spec(argv: string[], extra: Partial<SandboxSpec> = {}): SandboxSpec {
  return {
    workspace: ws,
    cwd: ".",
    argv,
    hidden: [secretFile, secretDir],
    blockedPrograms: ["docker", "ansible", "vagrant", "docker2"],
    env: { PATH: `${fakeBin}:${fakeBin2}:${process.env.PATH ?? "/usr/bin:/bin"}` },
    ...extra,
  };
}

async function exitOf(argv: string[], extra: Partial<SandboxSpec> = {}): Promise<number | null> {
  const r = await runSandboxed(spec(argv, extra), { timeoutMs: 20_000 });
  expect(r.timedOut).toBe(false);
  return r.exit;
}

const sh = (script: string): string[] => ["bash", "-c", script];

describe("probe", () => {
  it("finds a working bwrap (fails, does not skip, when missing)", () => {
    const p = probeSandbox();
    expect(p.problems).toEqual([]);
    expect(p.ok).toBe(true);
    expect(p.bwrap).toMatch(/bwrap$/);
    expect(p.userns).toBe(true);
    expect(probeSandbox()).toBe(p); // cached
  });
});

describe("buildBwrapArgs", () => {
  it("emits the fixed hardening flags, env allowlist, chdir and argv after --", () => {
    const args = buildBwrapArgs(
      { workspace: ws, cwd: ".", argv: ["echo", "a b;c"], env: { FOO: "1" } },
      { PATH: "/usr/bin:/bin", HOME: "/h", OPENAI_API_KEY: "sk-x", LANG: "C" },
    );
    expect(args.slice(0, 9)).toEqual([
      "--ro-bind",
      "/",
      "/",
      "--dev",
      "/dev",
      "--proc",
      "/proc",
      "--tmpfs",
      "/tmp",
    ]);
    for (const f of [
      "--unshare-all",
      "--unshare-user",
      "--disable-userns",
      "--die-with-parent",
      "--new-session",
    ])
      expect(args).toContain(f);
    expect(args.join(" ")).toContain("--cap-drop ALL");
    expect(args).not.toContain("--share-net");
    expect(args).not.toContain("OPENAI_API_KEY");
    const setenv = args.flatMap((a, i) => (a === "--setenv" ? [args[i + 1]] : []));
    expect(setenv).toEqual(["PATH", "HOME", "LANG", "FOO"]);
    expect(args.indexOf("--clearenv")).toBeLessThan(args.indexOf("--setenv"));
    expect(args.slice(-4)).toEqual([ws, "--", "echo", "a b;c"]);
    expect(args[args.length - 5]).toBe("--chdir");
  });

  it("shares the network only when asked", () => {
    expect(buildBwrapArgs({ workspace: ws, cwd: ".", argv: ["true"], net: true })).toContain("--share-net");
  });

  it("sorts mounts shallow to deep, masks secrets, skips missing hidden paths", () => {
    const args = buildBwrapArgs({
      workspace: ws,
      cwd: ".",
      argv: ["true"],
      hidden: [join(ws, "nope"), secretDir, secretFile],
      readOnly: [fakeBin],
    });
    const j = args.join(" ");
    expect(j).toContain(`--tmpfs ${secretDir}`);
    expect(j).toContain(`--remount-ro ${secretDir}`);
    expect(j).toContain(`--ro-bind /dev/null ${secretFile}`);
    expect(j).not.toContain("nope");
    expect(args.indexOf("/tmp")).toBeLessThan(args.indexOf(ws));
    const inner = join(ws, "sub");
    mkdirSync(inner, { recursive: true });
    const a2 = buildBwrapArgs({ workspace: ws, cwd: "sub", argv: ["true"], readOnly: [inner] });
    expect(a2.indexOf(ws)).toBeLessThan(a2.indexOf(inner));
  });

  it("masks blocked programs on every PATH dir and through symlinks", () => {
    const args = buildBwrapArgs(
      { workspace: ws, cwd: ".", argv: ["true"], blockedPrograms: ["docker", "docker2"] },
      { PATH: `${fakeBin}:${fakeBin2}:/nonexistent` },
    );
    expect(args.join(" ")).toContain(`--ro-bind /dev/null ${join(fakeBin, "docker")}`);
  });
});

describe("file system confinement", () => {
  it("allows writes inside the workspace", async () => {
    expect(await exitOf(sh("echo ok > inside.txt"))).toBe(0);
    expect(readFileSync(join(ws, "inside.txt"), "utf8")).toBe("ok\n");
  });

  const attempts: [string, (target: string) => string[]][] = [
    ["direct", (t) => ["touch", t]],
    ["via ..", () => ["touch", "../outside/dotdot"]],
    ["via a symlink in the workspace", () => ["touch", "out-link/vialink"]],
    [
      "via a symlink made during the run",
      (t) => sh(`ln -s ${outside} now-link && echo x > now-link/${basename(t)}`),
    ],
    ["bash -c", (t) => sh(`echo x > ${t}`)],
    ["python3 -c", (t) => ["python3", "-c", `open(${JSON.stringify(t)}, "w").write("x")`]],
    ["node -e", (t) => ["node", "-e", `require("fs").writeFileSync(${JSON.stringify(t)}, "x")`]],
    ["env -i sh -c", (t) => ["env", "-i", "/bin/sh", "-c", `echo x > ${t}`]],
  ];
  for (const [name, argv] of attempts) {
    it(`blocks writes outside the workspace: ${name}`, async () => {
      const target = join(outside, `f-${name.replace(/\W/g, "_")}`);
      expect(await exitOf(argv(target))).not.toBe(0);
      expect(existsSync(target)).toBe(false);
    });
  }
  it("writes outside succeed when the path is granted writable (control)", async () => {
    expect(await exitOf(["touch", "out-link/granted"], { writable: [outside] })).toBe(0);
    rmSync(join(outside, "granted"));
  });
  it("left nothing outside", () => {
    expect(spawnSync("ls", ["-A", outside], { encoding: "utf8" }).stdout).toBe("");
  });
  it("blocks writes to the host root and home", async () => {
    expect(await exitOf(["touch", "/etc/warden-sandbox-test"])).not.toBe(0);
    expect(existsSync("/etc/warden-sandbox-test")).toBe(false);
  });
});

describe("hidden secrets", () => {
  it("a hidden file cannot be opened (a /dev/null on a nodev bind), directly or via a symlink", async () => {
    expect(await exitOf(["cat", secretFile])).not.toBe(0);
    expect(await exitOf(["cat", "secret-link"])).not.toBe(0);
    expect(await exitOf(sh(`cat ${secretFile} > s1.txt; cat secret-link > s2.txt; cat s1.txt s2.txt`))).toBe(
      0,
    );
    expect(readFileSync(join(ws, "s1.txt"), "utf8")).toBe("");
    expect(readFileSync(join(ws, "s2.txt"), "utf8")).toBe("");
  });
  it("a hidden directory is empty and read-only", async () => {
    expect(await exitOf(["cat", join(secretDir, "key")])).not.toBe(0);
    expect(await exitOf(["touch", join(secretDir, "new")])).not.toBe(0);
    expect(await exitOf(sh(`ls -A ${secretDir} > s3.txt`))).toBe(0);
    expect(readFileSync(join(ws, "s3.txt"), "utf8")).toBe("");
  });
});

describe("workspace inside a hidden directory", () => {
  it("the workspace stays writable, the rest of the hidden dir is empty and read-only", async () => {
    const home = join(base, "home");
    const inner = join(home, "project");
    mkdirSync(inner, { recursive: true });
    writeFileSync(join(home, ".netrc"), "machine x password TOPSECRET\n");
    const s = { ...spec(["true"]), workspace: inner, hidden: [home] };
    const r1 = await runSandboxed(
      { ...s, argv: sh(`touch ok && ls -A ${home} > listing.txt`) },
      { timeoutMs: 20_000 },
    );
    expect(r1.exit).toBe(0);
    expect(readFileSync(join(inner, "listing.txt"), "utf8")).toBe("project\n");
    const r2 = await runSandboxed({ ...s, argv: ["touch", join(home, "x")] }, { timeoutMs: 20_000 });
    expect(r2.exit).not.toBe(0);
    expect(existsSync(join(home, "x"))).toBe(false);
  });
});

describe("blocked programs", () => {
  const blocked: [string, () => string[]][] = [
    ["bash -c docker ps", () => sh("docker ps")],
    ["env docker ps", () => ["env", "docker", "ps"]],
    ["absolute path", () => [join(fakeBin, "docker"), "ps"]],
    ["symlink on another PATH dir", () => sh("docker2 ps")],
    ["ansible", () => sh("ansible all -m ping")],
    ["vagrant", () => ["env", "vagrant", "up"]],
    [
      "python3 subprocess",
      () => ["python3", "-c", 'import subprocess; subprocess.run(["docker","ps"], check=True)'],
    ],
  ];
  for (const [name, argv] of blocked) {
    it(`cannot run: ${name}`, async () => {
      expect(await exitOf(argv())).not.toBe(0);
    });
  }
  it("the fake programs do run outside the sandbox and unmasked inside it (control)", async () => {
    expect(spawnSync(join(fakeBin, "docker"), ["ps"]).status).toBe(0);
    expect(
      await exitOf(sh("docker ps && docker2 ps && ansible x && vagrant up"), { blockedPrograms: [] }),
    ).toBe(0);
  });
  for (const argv of [
    ["ls", "-la"],
    ["python3", "--version"],
    ["git", "--version"],
  ]) {
    it(`still runs: ${argv.join(" ")}`, async () => {
      expect(await exitOf(argv)).toBe(0);
    });
  }
});

describe("privileges", () => {
  it("cannot remount / read-write", async () => {
    expect(await exitOf(["mount", "-o", "remount,rw", "/"])).not.toBe(0);
  });
  it("cannot unmount a mask", async () => {
    expect(await exitOf(["umount", join(fakeBin, "docker")])).not.toBe(0);
    expect(await exitOf(["umount", "-l", secretFile])).not.toBe(0);
  });
  it("cannot create a nested user namespace", async () => {
    expect(await exitOf(["unshare", "-Ur", "true"])).not.toBe(0);
  });
});

describe("network", () => {
  let server: Server;
  let port = 0;
  beforeAll(async () => {
    server = createServer((s) => s.end("hello\n"));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    port = (server.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));
  const connect = (): string[] => [
    "python3",
    "-c",
    `import socket; socket.create_connection(("127.0.0.1", ${port}), timeout=5).recv(10)`,
  ];
  it("cannot reach a host loopback server without net", async () => {
    expect(await exitOf(connect())).not.toBe(0);
  });
  it("can reach it with net: true (control)", async () => {
    expect(await exitOf(connect(), { net: true })).toBe(0);
  });
});

describe("environment", () => {
  it("drops caller secrets, keeps the allowlist", async () => {
    const callerEnv = { ...process.env, OPENAI_API_KEY: "sk-warden-test", AWS_SECRET_ACCESS_KEY: "x" };
    const r = await runSandboxed(spec(sh("env > env.txt"), { env: { EXTRA: "yes" } }), {
      timeoutMs: 20_000,
      callerEnv,
    });
    expect(r.exit).toBe(0);
    const env = readFileSync(join(ws, "env.txt"), "utf8");
    expect(env).not.toContain("OPENAI_API_KEY");
    expect(env).not.toContain("sk-warden-test");
    expect(env).not.toContain("AWS_SECRET");
    expect(env).toContain("EXTRA=yes");
    expect(env).toMatch(/^PATH=/m);
  });
});

describe("timeout", () => {
  it("kills the whole tree, including setsid and nohup children", async () => {
    const marker = `30.${process.pid}${Date.now() % 100000}`;
    const r = await runSandboxed(
      spec(sh(`setsid sleep ${marker} & nohup sleep ${marker} >/dev/null 2>&1 & sleep ${marker}`)),
      { timeoutMs: 1500 },
    );
    expect(r.timedOut).toBe(true);
    expect(r.signal).toBe("SIGKILL");
    expect(r.durationMs).toBeLessThan(10_000);
    let left = "";
    for (let i = 0; i < 20; i++) {
      left = spawnSync("pgrep", ["-f", `sleep ${marker}`], { encoding: "utf8" }).stdout.trim();
      if (left === "") break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(left).toBe("");
  });
  it("reports exit codes and does not time out fast commands", async () => {
    const r = await runSandboxed(spec(["sh", "-c", "exit 7"]), { timeoutMs: 10_000 });
    expect(r).toMatchObject({ exit: 7, signal: null, timedOut: false });
  });
});

describe("seccomp", () => {
  let server: Server;
  let sock = "";
  beforeAll(async () => {
    sock = join(base, "host.sock");
    server = createServer((s) => s.end("hello\n"));
    await new Promise<void>((r) => server.listen(sock, r));
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));
  const connect = (): string[] => [
    "python3",
    "-c",
    `import socket; s = socket.socket(socket.AF_UNIX); s.settimeout(5); s.connect(${JSON.stringify(sock)}); s.recv(10)`,
  ];

  it("the filter checks the architecture first and exists for x64 and arm64 only", () => {
    const x64 = seccompInstructions("x64")!;
    expect(x64[0]).toEqual([0x20, 0, 0, 4]);
    expect(x64[1]?.[3]).toBe(0xc000003e);
    expect(seccompInstructions("arm64")?.[1]?.[3]).toBe(0xc00000b7);
    expect(seccompInstructions("ia32")).toBeNull();
    expect(seccompProgram("x64")?.length).toBe(x64.length * 8);
  });
  it("cannot connect to a host unix socket", async () => {
    expect(await exitOf(connect())).not.toBe(0);
  });
  it("socket(AF_UNIX) fails with EPERM", async () => {
    const code =
      "import socket\ntry:\n socket.socket(socket.AF_UNIX)\nexcept PermissionError:\n raise SystemExit(42)";
    expect(await exitOf(["python3", "-c", code])).toBe(42);
  });
  it("can connect to the host unix socket without the filter (control)", async () => {
    const r = await runSandboxed(spec(connect()), { timeoutMs: 20_000, seccomp: false });
    expect(r.exit).toBe(0);
  });
  it("io_uring_setup fails with EPERM", async () => {
    const code = [
      "import ctypes, errno",
      "libc = ctypes.CDLL(None, use_errno=True)",
      "buf = ctypes.create_string_buffer(120)",
      "r = libc.syscall(425, 1, buf)",
      "raise SystemExit(42 if r == -1 and ctypes.get_errno() == errno.EPERM else 1)",
    ].join("\n");
    expect(await exitOf(["python3", "-c", code])).toBe(42);
  });
  it("other sockets and ordinary programs still work, and the filter fd is not leaked", async () => {
    expect(await exitOf(["python3", "-c", "import socket; socket.socket(socket.AF_INET).close()"])).toBe(0);
    expect(await exitOf(sh("ls -l /proc/self/fd > fds.txt"))).toBe(0);
    const fds = readFileSync(join(ws, "fds.txt"), "utf8")
      .split("\n")
      .map((l) => /\s(\d+) -> (.*)$/.exec(l))
      .filter((m) => m !== null)
      .map((m) => [Number(m[1]), m[2]] as const);
    expect(fds.filter(([fd]) => fd <= 2).length).toBe(3);
    // Above stdio: only ls's own /proc/self/fd handle, and /dev/null for anything this process had leaked.
    for (const [fd, target] of fds.filter(([fd]) => fd > 2))
      expect(`${fd} ${target}`).toMatch(/ (\/dev\/null|\/proc\/\d+\/fd)$/);
  });
});
