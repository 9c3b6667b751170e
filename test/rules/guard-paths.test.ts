// Self-protection through the agents' own file tools (Write/Edit/delete requests), and Warden's directories
// wherever the environment puts them: the same paths as the shell commands of test/corpus/verdicts-guard.jsonl.
import { describe, expect, it } from "vitest";
import { evaluate } from "../../src/index.ts";
import type { FileOp } from "../../src/types.ts";

const CWD = "/home/agent/project";
const HOME = "/home/agent";

function file(op: FileOp, path: string, env: Record<string, string> = {}) {
  return evaluate({ kind: "file", op, path, tool: op, cwd: CWD, env: { HOME, USER: "agent", ...env } })
    .verdict;
}

describe("the agents' file tools cannot rewrite the guard", () => {
  const settings = [
    ".claude/settings.json",
    ".claude/settings.local.json",
    `${HOME}/.claude/settings.json`,
    ".gemini/settings.json",
    `${HOME}/.gemini/settings.json`,
    `${HOME}/.codex/config.toml`,
    ".codex/hooks.json",
    ".warden/policy.yaml",
    `${HOME}/.config/warden/policy.yaml`,
    `${HOME}/.config/warden/approvers.yaml`,
    `${HOME}/.local/state/warden/audit/current.jsonl`,
  ];
  for (const path of settings)
    for (const op of ["write", "edit"] as const)
      it(`${op} ${path} is denied`, () => {
        const v = file(op, path);
        expect(v.decision).toBe("deny");
        expect(v.findings.map((f) => f.rule).join()).toMatch(/-guard$/);
      });

  it("reading any of them is allowed, except Warden's secrets", () => {
    for (const path of settings.filter((p) => !p.includes("state/warden")))
      expect(file("read", path).decision, path).toBe("allow");
  });

  it("deleting an agent's settings asks; deleting Warden's policy or state is denied", () => {
    expect(file("delete", ".claude/settings.local.json").decision).toBe("ask");
    expect(file("delete", ".warden/policy.yaml").decision).toBe("deny");
    expect(file("delete", `${HOME}/.local/state/warden/audit/current.jsonl`).decision).toBe("deny");
  });

  it("hook scripts and git config are high: asked about, never allowed", () => {
    for (const path of [
      ".claude/hooks/pre.sh",
      `${HOME}/.claude/hooks/x.py`,
      ".git/config",
      ".git/hooks/pre-commit",
    ]) {
      const v = file("write", path);
      expect(v.decision, path).toBe("ask");
      expect(v.risk, path).toBe("high");
    }
  });

  it("project files next to them are ordinary work", () => {
    for (const path of [
      "CLAUDE.md",
      ".claude/commands/review.md",
      ".claude/agents/tester.md",
      "GEMINI.md",
      "src/warden.ts",
    ])
      expect(file("write", path).decision, path).toBe("allow");
  });
});

describe("Warden's directories where the environment puts them", () => {
  it("WARDEN_STATE_DIR, WARDEN_CONFIG_DIR and XDG_*_HOME are protected like the defaults", () => {
    const env = {
      WARDEN_STATE_DIR: "/srv/warden-state",
      WARDEN_CONFIG_DIR: "/srv/warden-config",
      XDG_STATE_HOME: `${HOME}/state`,
    };
    for (const path of [
      "/srv/warden-state/audit/current.jsonl",
      "/srv/warden-config/policy.yaml",
      `${HOME}/state/warden/x`,
    ])
      expect(file("write", path, env).decision, path).toBe("deny");
    expect(file("write", `${HOME}/state/other`, env).decision).toBe("ask");
  });

  it("the file BASH_ENV names runs before every non-interactive bash: high", () => {
    const v = file("write", `${HOME}/.bash_env`, { BASH_ENV: `${HOME}/.bash_env` });
    expect(v.risk).toBe("high");
    expect(v.decision).toBe("ask");
  });
});
