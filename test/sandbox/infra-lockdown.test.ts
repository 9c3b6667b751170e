// The seeds' acceptance list under the `infra-lockdown` template, run inside the sandbox the policy plans.
// The decision already denies `bash -c "docker ps"` (test/policy/acceptance.test.ts); this is the second wall:
// a command that got past the decision (an opaque script, a human's "yes") still cannot start a blocked
// program. Fake executables with those names sit first on PATH so the programs exist and would succeed.
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { blockedPrograms, buildPolicy } from "../../src/policy/index.ts";
import { BUILTIN_SOURCE } from "../../src/policy/load.ts";
import { INFRA_PROGRAMS } from "../../src/policy/templates/infra-lockdown.ts";
import { launch } from "../../src/sandbox/launch.ts";
import { layer } from "../policy/helpers.ts";
import { tempDir } from "../tmp.ts";

const USER = "agent";
const lockdown = buildPolicy([BUILTIN_SOURCE, layer({ extends: "infra-lockdown" }, "user")]);
const effective = lockdown.effective(lockdown.selectProfile({ user: USER }));

let base = "";
let workspace = "";
let fakeBin = "";

beforeAll(() => {
  // Not under /tmp: the sandbox's /tmp is private, so paths there would not be the ones on the host.
  base = tempDir("warden-lockdown-", { varTmp: true });
  workspace = join(base, "project");
  fakeBin = join(base, "bin");
  mkdirSync(workspace);
  mkdirSync(fakeBin);
  for (const p of INFRA_PROGRAMS) {
    writeFileSync(join(fakeBin, p), `#!/bin/sh\necho "fake ${p} ran"\nexit 0\n`);
    chmodSync(join(fakeBin, p), 0o755);
  }
  writeFileSync(join(workspace, "README"), "hello\n");
  const git = spawnSync("git", ["init", "-q", workspace], { encoding: "utf8" });
  expect(git.status, git.stderr).toBe(0);
});

async function runInSandbox(command: string): Promise<{ exit: number | null; output: string }> {
  const env = {
    PATH: `${fakeBin}:${process.env.PATH ?? "/usr/bin:/bin"}`,
    HOME: base,
    USER,
    LANG: "C.UTF-8",
  };
  const said: string[] = [];
  const r = await launch({
    requestId: "test",
    command,
    argv: ["bash", "-c", command],
    cwd: workspace,
    workspace,
    home: base,
    env,
    user: USER,
    policy: effective,
    blocked: blockedPrograms(lockdown, { user: USER }),
    sandbox: "on",
    net: false,
    timeoutMs: 20_000,
    stdin: "ignore",
    captureBytes: 8192,
    log: null,
    say: (line) => said.push(line),
  });
  expect(r.status, said.join("\n")).toBe("ran");
  expect(r.confinement).toBe("bwrap");
  return { exit: r.exit, output: `${r.captured?.stdout ?? ""}${r.captured?.stderr ?? ""}` };
}

describe("infra-lockdown inside the sandbox", () => {
  it("the fake programs work outside the sandbox (so a failure inside is the mask, not a missing file)", () => {
    const r = spawnSync(join(fakeBin, "docker"), ["ps"], { encoding: "utf8" });
    expect(r.stdout).toBe("fake docker ran\n");
  });

  it("blocks every program the template names", () => {
    expect(blockedPrograms(lockdown, { user: USER })).toEqual(expect.arrayContaining(INFRA_PROGRAMS));
  });

  it.each([
    'bash -c "ansible --version"',
    'bash -c "vagrant status"',
    'bash -c "docker ps"',
    "env docker ps",
    `python3 -c 'import subprocess; subprocess.run(["aws", "s3", "ls"], check=True)'`,
    "hcloud server list",
  ])("%s fails inside", async (command) => {
    const { exit, output } = await runInSandbox(command);
    expect(exit).not.toBe(0);
    expect(output).not.toMatch(/fake \S+ ran/);
  });

  it("an absolute path to a blocked binary fails too", async () => {
    const { exit, output } = await runInSandbox(`${join(fakeBin, "docker")} ps`);
    expect(exit).not.toBe(0);
    expect(output).not.toContain("fake docker ran");
  });

  it.each(["ls -la", "git status", "python3 --version"])("%s succeeds inside", async (command) => {
    const { exit, output } = await runInSandbox(command);
    expect(exit, output).toBe(0);
  });
});
