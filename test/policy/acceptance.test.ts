// The seeds' acceptance list under infra-lockdown, through the whole pipeline (real shell parser and the
// dev/interpreters packs). Runs once the shell analysis unwraps `bash -c` (the stub splits on spaces).
import { describe, expect, it } from "vitest";
import { analyze, evaluate } from "../../src/index.ts";
import { BUILTIN_SOURCE, buildPolicy } from "../../src/policy/load.ts";
import { layer } from "./helpers.ts";

const parserReady = analyze("bash -c 'docker ps'").invocations.some((i) => i.program === "docker");
const lockdown = buildPolicy([BUILTIN_SOURCE, layer({ extends: "infra-lockdown" }, "user")]);
const run = (command: string) =>
  evaluate(
    { kind: "command", command, cwd: "/home/agent/project", env: { HOME: "/home/agent", USER: "agent" } },
    { policy: lockdown },
  ).verdict;

describe.runIf(parserReady)("infra-lockdown acceptance (needs the real shell parser)", () => {
  it.each([
    'bash -c "ansible --version"',
    'bash -c "vagrant status"',
    'bash -c "docker ps"',
    "sh -c 'aws s3 ls'",
    "env hcloud server list",
  ])("denies %s", (cmd) => {
    expect(run(cmd).decision).toBe("deny");
  });
  it.each(['bash -c "ls -la"', 'bash -c "git status"', 'bash -c "python --version"'])("allows %s", (cmd) => {
    expect(run(cmd).decision).toBe("allow");
  });
  it("a redirect into /etc asks, ~ is the request's HOME", () => {
    expect(run("echo x > /etc/hosts").decision).not.toBe("allow");
    expect(run("cat ~/.ssh/id_rsa").reasons.join()).toContain("/home/agent/.ssh/id_rsa");
  });
});

describe("infra-lockdown without the parser", () => {
  it("denies the blocked programs when run directly", () => {
    for (const cmd of ["ansible --version", "vagrant status", "docker ps"])
      expect(run(cmd).decision).toBe("deny");
  });
});
