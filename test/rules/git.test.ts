import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { dangerousGitConfig, plainProgramValue } from "../../src/rules/git.ts";
import { riskOf, riskOfCommand, rulesOf } from "./argv.ts";

const a = (s: string): string[] => s.split(" ");

describe("git pack", () => {
  it.each([
    ["git status", "low"],
    ["git log --oneline -5", "low"],
    ["git branch -a", "low"],
    ["git checkout --detach main", "low"],
    ["git checkout -b feature", "low"],
    ["git checkout -bfeature", "low"],
    ["git switch -cfeature", "low"],
    ["git clean -n", "low"],
    ["git restore --staged .", "low"],
    ["git commit -m drop", "low"],
    ["git pull", "low"],
    ["git push", "medium"],
    ["git rebase main", "medium"],
    ["git push --force", "high"],
    ["git push origin +main", "high"],
    ["git push origin :feature", "high"],
    ["git push --mirror", "high"],
    ["git checkout -- .", "high"],
    ["git checkout .", "high"],
    ["git checkout HEAD -- src/a.ts", "high"],
    ["git restore src/a.ts", "high"],
    ["git reset --hard", "high"],
    ["git clean -xdf", "high"],
    ["git branch -D x", "high"],
    ["git stash clear", "high"],
    ["git reflog expire --expire=now --all", "high"],
    ["git gc --prune=now", "high"],
  ] as const)("%s → %s", (cmd, risk) => {
    expect(riskOf(a(cmd))).toBe(risk);
  });

  it("finds the subcommand behind value-taking global options", () => {
    for (const g of [
      "-C repo",
      "-Crepo",
      "-c user.name=x",
      "--git-dir .git",
      "--git-dir=.git",
      "--work-tree w",
      "--no-pager",
      "--",
    ]) {
      expect(riskOf(a(`git ${g} reset --hard`)), g).toBe("high");
      expect(riskOf(a(`git ${g} status`)), g).toBe("low");
    }
  });

  it("tells a lone branch from a lone path in checkout", () => {
    expect(riskOf(a("git checkout release-1.2"))).toBe("low");
    expect(riskOf(a("git checkout v1.2.3"))).toBe("low");
    expect(riskOf(a("git checkout README.md"))).toBe("high");
    expect(riskOf(a("git checkout src/"))).toBe("high");
  });

  it("treats code-running configuration as high, and plain pagers/editors as ordinary", () => {
    expect(rulesOf(a("git -c core.sshCommand=evil fetch"))).toContain("git.config-exec");
    expect(riskOf(a("git -c core.pager=cat log"))).toBe("low");
    expect(riskOf(a("git -c alias.x=!sh x"))).toBe("high");
    expect(riskOf(a("git config core.fsmonitor /tmp/x"))).toBe("high");
    expect(riskOf(a("git clone ext::sh repo"))).toBe("high");
    expect(riskOf(["git", "fetch"], { assignments: { GIT_SSH_COMMAND: "sh -c id" } })).toBe("high");
    expect(riskOf(["git", "log"], { assignments: { GIT_PAGER: "cat" } })).toBe("low");
    expect(dangerousGitConfig("protocol.ext.allow", "never")).toBeUndefined();
    expect(plainProgramValue("ssh", "ssh -o ProxyCommand=nc")).toBe(false);
    expect(plainProgramValue("editor", "vim")).toBe(true);
  });

  it("asks when a run-time word could be a flag", () => {
    expect(riskOf(["git", "checkout", "$TARGET"])).toBe("medium");
    expect(riskOf(["git", "$SUB"])).toBe("medium");
  });

  it("force-push is high however the force flag is spelled or placed", () => {
    const force = fc.constantFrom("-f", "--force", "--force-with-lease", "-fq", "-qf");
    const extra = fc.subarray(["-u", "--tags", "-q", "--no-verify"]);
    fc.assert(
      fc.property(force, extra, fc.boolean(), (f, opts, before) => {
        const argv = before
          ? ["git", "push", f, ...opts, "origin", "main"]
          : ["git", "push", ...opts, "origin", "main", f];
        return riskOf(argv) === "high";
      }),
      { numRuns: 60 },
    );
  });

  it("works end to end through the shell stage", () => {
    expect(riskOfCommand("git commit -m 'git reset --hard'")).toBe("low");
    expect(riskOfCommand("git status && git push -f")).toBe("high");
  });
});
