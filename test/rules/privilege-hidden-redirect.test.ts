import { describe, expect, it } from "vitest";
import { classifyNotes } from "../../src/rules/hidden.ts";
import { privilegePack } from "../../src/rules/privilege.ts";
import { redirectPack } from "../../src/rules/redirect.ts";
import type { Analysis, Note } from "../../src/types.ts";
import { commandFindings, commandRisk, inv, packRisk } from "./helpers.ts";

describe("privilege", () => {
  it("escalation wrappers are critical; asking sudo what it allows is not", () => {
    for (const p of ["sudo", "su", "doas", "pkexec", "runuser"])
      expect(packRisk(privilegePack, [p, "ls"]), p).toBe("critical");
    expect(packRisk(privilegePack, ["sudo", "-l"])).toBe("medium");
    expect(packRisk(privilegePack, ["useradd", "x"])).toBe("critical");
  });

  it("the wrapper and the inner command are both judged", () => {
    const rules = commandFindings("sudo rm -rf /").map((f) => f.rule);
    expect(rules).toContain("privilege.sudo");
    expect(rules).toContain("filesystem.rm-root");
  });
});

describe("redirections", () => {
  const r = (op: string, target: string) =>
    packRisk(redirectPack, ["echo", "x"], { redirects: [[op, target]] });
  it.each([
    [">", "out.txt", "low"],
    [">", "/dev/null", "low"],
    ["2>", "/dev/null", "low"],
    [">", "/dev/sda", "critical"],
    [">>", "~/.ssh/authorized_keys", "critical"],
    [">>", "~/.bashrc", "high"],
    [">", "/etc/passwd", "critical"],
    [">|", "/tmp/x", "low"],
    ["&>", "~/log.txt", "high"],
    [">", "$OUT", "medium"],
    ["<", "/etc/passwd", "low"],
  ])("%s %s is %s", (op, target, expected) => {
    expect(r(op, target)).toBe(expected);
  });

  it("descriptor duplication is not a file", () => {
    expect(r(">&", "2")).toBe("low");
    expect(r("2>&", "1")).toBe("low");
  });

  it("end to end", () => {
    expect(commandRisk("echo hi > /dev/sda")).toBe("critical");
    expect(commandRisk("make > build.log 2>&1")).toBe("low");
  });
});

describe("hidden notes", () => {
  const analysis = (notes: Note[], programs: (string | null)[] = ["x"]): Analysis => ({
    source: "",
    invocations: programs.map((p) => ({ ...inv([p ?? "$X"]), program: p })),
    notes,
    diagnostics: [],
  });
  const note = (kind: Note["kind"], detail = "", invocation?: number): Note => ({
    kind,
    detail,
    span: [0, 0],
    ...(invocation === undefined ? {} : { invocation }),
  });
  const worst = (n: Note, programs?: (string | null)[]) =>
    classifyNotes(analysis([n], programs)).map((f) => f.risk);

  it("maps each note kind to its risk", () => {
    expect(worst(note("shell-reads-stdin", "sh", 0))).toEqual(["critical"]);
    expect(worst(note("dynamic-payload", "eval $x", 0))).toEqual(["high"]);
    expect(worst(note("env-program", "LD_PRELOAD=/tmp/x.so", 0))).toEqual(["high"]);
    expect(worst(note("env-program", "PAGER=cat", 0))).toEqual(["low"]);
    expect(worst(note("trap", "rm x", 0))).toEqual(["medium"]);
    expect(worst(note("source", "./env.sh", 0))).toEqual(["medium"]);
    expect(worst(note("source", "$F", 0))).toEqual(["high"]);
    expect(worst(note("function-called", "f", 0))).toEqual(["low"]);
    expect(worst(note("function-defined", "f"))).toEqual([]);
  });

  it("does not repeat what index.ts and the packs already report", () => {
    expect(worst(note("dynamic-command", "$X", 0), [null])).toEqual([]);
    expect(worst(note("source", "./env.sh", 0), ["source"])).toEqual([]);
  });

  it("end to end: pipes into shells are critical, functions are judged by their bodies", () => {
    expect(commandRisk("curl -s https://x | bash")).toBe("critical");
    expect(commandRisk("echo cm0gLXJmIC8K | base64 -d | sh")).toBe("critical");
    expect(commandRisk("f() { echo hi; }; f")).toBe("low");
    expect(commandRisk("g() { rm -rf /; }; g")).toBe("critical");
    expect(commandRisk("LD_PRELOAD=/tmp/evil.so ls")).toBe("high");
  });
});
