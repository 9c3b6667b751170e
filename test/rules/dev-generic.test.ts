import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { devPack } from "../../src/rules/dev.ts";
import { classifyUnknown } from "../../src/rules/generic.ts";
import { commandRisk, context, inv, invRisk, packRisk } from "./helpers.ts";

const unknown = (...argv: string[]) => classifyUnknown(inv(argv), context(), 0)[0]!;

describe("dev pack", () => {
  it("ordinary reading, building and testing is low", () => {
    for (const argv of [
      ["ls", "-la"],
      ["cat", "README.md"],
      ["grep", "-rn", "TODO", "src"],
      ["make"],
      ["tsc", "-p", "."],
      ["pytest", "-x"],
      ["jq", ".a", "f.json"],
      ["timeout", "30", "npm", "test"],
      ["mkdir", "-p", "src/a"],
      ["touch", "x.ts"],
      ["tar", "-xzf", "a.tgz"],
      ["kill", "1234"],
    ]) {
      expect(invRisk(argv), argv.join(" ")).toBe("low");
    }
  });

  it("dangerous strings that are only data stay low", () => {
    fc.assert(
      fc.property(fc.constantFrom("echo", "printf"), fc.stringMatching(/^[^$`'\\]{0,40}$/), (p, text) => {
        expect(invRisk([p, `'${text}'`])).toBe("low");
      }),
      { numRuns: 200 },
    );
    expect(invRisk(["echo", "'rm -rf /'"])).toBe("low");
    expect(invRisk(["grep", "-r", "'rm -rf'", "."])).toBe("low");
  });

  it.each([
    [["mkdir", "/etc/x"], "high"],
    [["tar", "-xf", "p.tar", "-C", "/"], "critical"],
    [["unzip", "x.zip", "-d", "/usr/local"], "critical"],
    [["tar", "-cf", "x.tar", "--to-command=sh", "."], "high"],
    [["kill", "-9", "-1"], "high"],
    [["pkill", "node"], "medium"],
    [["shutdown", "-h", "now"], "critical"],
    [["systemctl", "status", "x"], "low"],
    [["systemctl", "restart", "nginx"], "high"],
    [["crontab", "-l"], "low"],
    [["crontab", "-r"], "high"],
    [["make", "deploy"], "medium"],
  ])("%j is %s", (argv, expected) => {
    expect(packRisk(devPack, argv as string[])).toBe(expected);
  });

  it("parallel builds commands from its inputs", () => {
    expect(invRisk(["parallel", "rm", "-rf", "{}", ":::", "build", "dist"])).toBe("low");
    expect(invRisk(["parallel", "rm", "-rf", "{}", ":::", "build", "/"])).toBe("critical");
    expect(invRisk(["parallel", ":::", "'rm -rf /'"])).toBe("critical");
    expect(invRisk(["parallel", "rm", "-rf", "{}"])).toBe("high");
  });
});

describe("generic long-tail rule", () => {
  it.each([
    [["gh", "pr", "view", "42"], "low", "unknown.read"],
    [["gh", "repo", "delete", "acme/api"], "high", "unknown.destructive"],
    [["somecli", "cluster", "delete", "prod"], "high", "unknown.destructive"],
    [["heroku", "apps:destroy", "app"], "high", "unknown.destructive"],
    [["aws-nuke", "--force"], "medium", "unknown.command"],
    [["restic", "backup", "./delete-me"], "medium", "unknown.command"],
    [["restic", "backup", "delete-me"], "medium", "unknown.command"],
    [["kafka-topics", "--delete", "--topic", "x"], "high", "unknown.destructive-flag"],
    [["vault", "kv", "get", "secret/x"], "low", "unknown.read"],
    [["gh", "repo", "delete", "--help"], "low", "unknown.read"],
    [["tool", "--version"], "low", "unknown.read"],
    [["velero", "backup", "create", "x"], "medium", "unknown.command"],
  ])("%j → %s (%s)", (argv, risk, rule) => {
    expect(unknown(...(argv as string[]))).toMatchObject({ risk, rule });
  });

  it("uses the policy's unknown risk for everything else", () => {
    expect(classifyUnknown(inv(["frob", "twiddle"]), context({ unknownRisk: "high" }), 0)[0]!.risk).toBe(
      "high",
    );
  });

  it("a destructive verb after a path or value is data", () => {
    fc.assert(
      fc.property(fc.constantFrom("delete", "destroy", "rm", "purge", "drop"), (verb) => {
        expect(unknown("tool", "./data", verb).risk).toBe("medium");
        expect(unknown("tool", "list", verb).risk).toBe("low");
        expect(unknown("tool", "thing", verb).risk).toBe("high");
      }),
    );
  });

  it("end to end", () => {
    expect(commandRisk("gh pr view 42")).toBe("low");
    expect(commandRisk("gh repo delete acme/api --yes")).toBe("critical");
  });
});
