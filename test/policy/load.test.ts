import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { evaluate } from "../../src/index.ts";
import { PolicyError } from "../../src/policy/errors.ts";
import { builtinPolicy, loadPolicy, loadPolicyFile } from "../../src/policy/load.ts";
import { jsonSchema } from "../../src/policy/schema.ts";
import { tempDir } from "./helpers.ts";

function setup(files: { user?: string; repo?: string; file?: string }) {
  const root = tempDir();
  const config = join(root, "config");
  const repo = join(root, "repo");
  mkdirSync(join(repo, "src", "deep"), { recursive: true });
  mkdirSync(config);
  if (files.user !== undefined) writeFileSync(join(config, "policy.yaml"), files.user);
  if (files.repo !== undefined) {
    mkdirSync(join(repo, ".warden"));
    writeFileSync(join(repo, ".warden", "policy.yaml"), files.repo);
  }
  const policyFile = join(root, "extra.yaml");
  if (files.file !== undefined) writeFileSync(policyFile, files.file);
  const env = { WARDEN_CONFIG_DIR: config, HOME: root };
  const cwd = join(repo, "src", "deep");
  return {
    root,
    env,
    cwd,
    load: () => loadPolicy({ cwd, env, ...(files.file !== undefined ? { policyFile } : {}) }),
  };
}

async function error(p: Promise<unknown>): Promise<PolicyError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof PolicyError) return err;
    throw err;
  }
  throw new Error("expected a PolicyError");
}

describe("loading layers", () => {
  it("with no files, the built-in policy (no YAML parsed)", async () => {
    const s = setup({});
    expect(await s.load()).toBe(builtinPolicy());
  });

  it("built-in → user → repo → --policy, in order", async () => {
    const s = setup({
      user: "unknown: high\n",
      repo: "rules: [{match: 'make deploy', decision: deny}]\n",
      file: "decisions: {medium: deny}\n",
    });
    const p = await s.load();
    expect(p.layers.map((l) => [l.kind, l.trusted])).toEqual([
      ["built-in", true],
      ["user", true],
      ["repo", false],
      ["file", true],
    ]);
    const eff = p.effective(null);
    expect(eff.unknown).toBe("high");
    expect(eff.mapping.medium).toBe("deny");
    expect(eff.tightenRules).toHaveLength(1);
  });

  it("the repository layer cannot loosen unless the user layer trusts it", async () => {
    const repo = "decisions: {medium: allow}\nforbidden: [{program: sudo, remove: true, override: true}]\n";
    const untrusted = await setup({ repo }).load();
    expect(untrusted.effective(null).mapping.medium).toBe("ask");
    expect(untrusted.effective(null).forbidden.some((f) => f.key === "program:sudo")).toBe(true);
    expect(untrusted.warnings.join("\n")).toMatch(/untrusted repository policy can only tighten/);
    const trusted = await setup({ user: "trust_repo_policy: true\n", repo }).load();
    expect(trusted.effective(null).mapping.medium).toBe("allow");
    expect(trusted.overrides.map((o) => o.what)).toEqual(["forbidden sudo removed"]);
  });

  it("a repository cannot trust itself", async () => {
    const p = await setup({ repo: "trust_repo_policy: true\ndecisions: {medium: allow}\n" }).load();
    expect(p.effective(null).mapping.medium).toBe("ask");
    expect(p.warnings.join("\n")).toMatch(/only your user policy can trust/);
  });

  it("evaluate() applies a loaded policy and the profile", async () => {
    const s = setup({ user: "rules: [{match: 'frob *', decision: deny, reason: 'no frobbing'}]\n" });
    const policy = await s.load();
    const v = evaluate({ kind: "command", command: "frob x", cwd: s.cwd, env: s.env }, { policy }).verdict;
    expect(v.decision).toBe("deny");
    expect(v.reasons.join()).toContain("no frobbing");
    expect(v.policy).toBe(policy.effective(null).hash);
    expect(
      evaluate({ kind: "command", command: "frob x", cwd: s.cwd, env: s.env }).verdict.decision,
    ).not.toBe("deny");
  });

  it("must_fail / must_succeed are collected for `warden verify`", async () => {
    const p = await setup({ file: "must_fail: ['docker ps']\nmust_succeed: ['ls -la']\n" }).load();
    expect(p.mustFail).toEqual(["docker ps"]);
    expect(p.mustSucceed).toEqual(["ls -la"]);
  });
});

describe("errors name file, line, column and field, and never fall back", () => {
  it("unknown field with a suggestion", async () => {
    const s = setup({ user: "unknown: high\nforbiden:\n  - rm\n" });
    const e = await error(s.load());
    expect(e.message).toBe(
      `${join(s.root, "config", "policy.yaml")}:2:1: unknown field 'forbiden' in policy (did you mean 'forbidden'?)`,
    );
    expect(e.exitCode).toBe(3);
  });

  it("nested fields and bad values", async () => {
    const s = setup({ file: "rules:\n  - match: git push\n    decison: deny\n" });
    expect((await error(s.load())).message).toMatch(
      /extra\.yaml:3:5: unknown field 'decison' in rules\[0\] \(did you mean 'decision'\?\)/,
    );
    const bad = setup({ file: "decisions:\n  medium: maybe\n" });
    expect((await error(bad.load())).message).toMatch(/extra\.yaml:2:11: decisions\.medium: /);
  });

  it("invalid YAML", async () => {
    expect((await error(setup({ user: "rules: [\n" }).load())).message).toMatch(
      /policy\.yaml:\d+:\d+: invalid YAML/,
    );
  });

  it("a malformed repository layer is an error too (no silent fallback)", async () => {
    await expect(setup({ repo: "decisions: nope\n" }).load()).rejects.toBeInstanceOf(PolicyError);
  });

  it("unknown template and unknown regex", async () => {
    expect((await error(setup({ file: "extends: stirct\n" }).load())).message).toMatch(
      /unknown template 'stirct' \(did you mean 'strict'\?\)/,
    );
    expect((await error(setup({ file: "rules: [{regex: '(', risk: high}]\n" }).load())).message).toMatch(
      /extra\.yaml:1:9: invalid regex/,
    );
  });

  it("loosening a deny without override", async () => {
    const e = await error(setup({ file: "decisions:\n  critical: ask\n" }).load());
    expect(e.message).toMatch(/extra\.yaml:2:13: decisions\.critical: ask loosens 'deny'.*override: true/);
  });

  it("a missing --policy file", async () => {
    const s = setup({});
    await expect(
      loadPolicy({ cwd: s.cwd, env: s.env, policyFile: join(s.root, "nope.yaml") }),
    ).rejects.toThrow(/cannot read policy: ENOENT/);
  });
});

describe("lint material", () => {
  it("expired grants, shadowed rules and overrides", async () => {
    const s = setup({
      file: [
        "decisions: {critical: ask, override: true}",
        "rules:",
        "  - {match: 'git *', risk: low}",
        "  - {match: 'git push', decision: deny}",
        "  - {match: 'make x', decision: allow, expires: '2020-01-01T00:00Z'}",
        "",
      ].join("\n"),
    });
    const p = await loadPolicyFile(join(s.root, "extra.yaml"));
    const w = p.warnings.join("\n");
    expect(w).toMatch(/extra\.yaml:4:5: shadowed by the rule at .*extra\.yaml:3:5/);
    expect(w).toMatch(/extra\.yaml:5:5: expired on 2020-01-01T00:00Z/);
    expect(p.overrides).toEqual([expect.objectContaining({ what: "decisions.critical: deny → ask" })]);
  });

  it("the JSON Schema describes the format", () => {
    const schema = jsonSchema() as { properties: Record<string, unknown> };
    expect(Object.keys(schema.properties)).toEqual(
      expect.arrayContaining(["rules", "forbidden", "paths", "profiles", "production", "yolo"]),
    );
  });

  it("the example policy loads cleanly", async () => {
    const p = await loadPolicyFile(new URL("../../examples/policy.yaml", import.meta.url).pathname);
    expect(p.warnings.filter((w) => !/expired/.test(w))).toEqual([]);
  });
});

describe("file requests get the same answer as the shell command", () => {
  it.each([
    ["read", ".env", "cat .env"],
    ["read", "src/app.ts", "cat src/app.ts"],
    ["write", "/etc/hosts", "tee /etc/hosts"],
    ["delete", "/home/agent/other", "rm /home/agent/other"],
    ["write", "notes.md", "tee notes.md"],
  ] as const)("%s %s ≡ %s", (op, path, command) => {
    const base = { cwd: "/home/agent/project", env: { HOME: "/home/agent" } };
    const file = evaluate({ ...base, kind: "file", op, path, tool: "Read" }).verdict;
    const cmd = evaluate({ ...base, kind: "command", command }).verdict;
    expect(file.decision).toBe(cmd.decision);
  });
});
