// The configuration keys of the agent-safety systems Warden is built for, read as aliases of Warden's own
// (src/policy/aliases.ts): the example files in examples/seeds/ load, decide as their keys say, and lint names
// Warden's own key; loosening switches are warned about and recorded; approvers may live in the policy.
import { generateKeyPairSync } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadApprovalConfig, rawPublicKey } from "../../src/approval/config.ts";
import { ApprovalError } from "../../src/approval/errors.ts";
import { evaluate } from "../../src/index.ts";
import { PolicyError } from "../../src/policy/errors.ts";
import { type LoadedPolicy, loadPolicy, loadPolicyFile } from "../../src/policy/load.ts";
import { jsonSchema } from "../../src/policy/schema.ts";
import { tempDir } from "./helpers.ts";

const SEEDS = new URL("../../examples/seeds/", import.meta.url).pathname;

function workspace(): { cwd: string; env: Record<string, string>; root: string; config: string } {
  const root = tempDir();
  const cwd = join(root, "project");
  const config = join(root, "config");
  mkdirSync(cwd);
  mkdirSync(config);
  return { root, cwd, config, env: { HOME: root, WARDEN_CONFIG_DIR: config } };
}

function decide(policy: LoadedPolicy, command: string, where = workspace()) {
  return evaluate({ kind: "command", command, cwd: where.cwd, env: where.env }, { policy }).verdict;
}

function fileWith(text: string): string {
  const file = join(tempDir(), "policy.yaml");
  writeFileSync(file, text);
  return file;
}

async function policyError(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    if (err instanceof PolicyError) return err.message;
    throw err;
  }
  throw new Error("expected a PolicyError");
}

describe("tier names", () => {
  it("FREE / REVIEW / APPROVE are low / medium / high in rules, `unknown` and decisions, in any letter case", async () => {
    const p = await loadPolicyFile(
      fileWith(
        [
          "unknown: approve",
          "decisions: {REVIEW: deny}",
          "rules:",
          "  - {match: 'frob lint', risk: FREE}",
          "  - {match: 'frob ship', risk: Review}",
        ].join("\n"),
      ),
    );
    const eff = p.effective(null);
    expect(eff.unknown).toBe("high");
    expect(eff.mapping.medium).toBe("deny");
    expect(decide(p, "frob lint")).toMatchObject({ decision: "allow", risk: "low" });
    expect(decide(p, "frob ship")).toMatchObject({ decision: "deny", risk: "medium" });
    expect(decide(p, "frobnicate")).toMatchObject({ decision: "ask", risk: "high" });
  });

  it("risk: BLOCK is a forbidden entry: never runs, not even with --yolo", async () => {
    const p = await loadPolicyFile(
      fileWith("rules:\n  - {program: shred, risk: BLOCK, reason: no shredding}\n"),
    );
    const v = decide(p, "shred notes.txt");
    expect(v.decision).toBe("deny");
    expect(v.forbidden).toBe(true);
    expect(v.reasons.join("\n")).toContain("no shredding");
    const yolo = evaluate(
      { kind: "command", command: "shred notes.txt", cwd: "/tmp", env: {} },
      { policy: p, yolo: true },
    ).verdict;
    expect(yolo.decision).toBe("deny");
  });

  it("an unknown tier is an error naming the line", async () => {
    const message = await policyError(loadPolicyFile(fileWith("rules:\n  - {match: x, risk: FORBID}\n")));
    expect(message).toMatch(/policy\.yaml:2:\d+.*risk/);
  });

  it("BLOCK with a decision that would run it is an error", async () => {
    const message = await policyError(
      loadPolicyFile(fileWith("rules:\n  - {match: x, risk: BLOCK, decision: allow}\n")),
    );
    expect(message).toMatch(/policy\.yaml:2:\d+: .*BLOCK never runs/);
  });
});

describe("the example seed policies", () => {
  it("tiered-agent.yaml loads, decides as its keys say, and lint names Warden's own key for each alias", async () => {
    const p = await loadPolicyFile(join(SEEDS, "tiered-agent.yaml"));
    const eff = p.effective(null);
    expect(eff.unknown).toBe("medium");
    expect(eff.mapping).toMatchObject({ low: "allow", medium: "ask", high: "ask", critical: "deny" });
    expect(eff.production.action).toBe("deny");
    expect(eff.production.namespaces).toEqual(expect.arrayContaining(["prod-eu", "prod-us"]));
    expect(decide(p, "make lint").decision).toBe("allow");
    expect(decide(p, "shred x")).toMatchObject({ decision: "deny", forbidden: true });
    expect(decide(p, "kubectl delete pod web-1 -n prod-eu").decision).toBe("deny");
    expect(decide(p, "kubectl delete pod web-1 -n staging").decision).toBe("ask");
    expect(decide(p, "terraform apply").risk).toBe("high");
    const notes = p.notes.join("\n");
    for (const own of [
      "unknown: medium",
      "risk: low",
      "risk: high",
      "a forbidden: entry",
      "production.action: deny",
      "production.namespaces",
      "decisions.critical: deny",
      "decisions.low: allow",
    ])
      expect(notes).toContain(own);
    // Each note points at the alias's own line.
    expect(p.notes.find((n) => n.includes("safety.block_production"))).toMatch(/tiered-agent\.yaml:7:\d+:/);
  });

  it("filesystem-guard.yaml: protected and context paths are read-only unless they say otherwise", async () => {
    const p = await loadPolicyFile(join(SEEDS, "filesystem-guard.yaml"));
    const entries = p.effective(null).paths.entries.map((e) => [e.pattern, e.permission]);
    expect(entries).toEqual(
      expect.arrayContaining([
        ["~/.ssh/**", "none"],
        ["/etc/**", "read"],
        ["infra/prod/**", "read"],
        ["docs/**", "read"],
        ["vendor/**", "read"],
      ]),
    );
    const w = workspace();
    mkdirSync(join(w.cwd, "docs"));
    mkdirSync(join(w.cwd, "src"));
    expect(decide(p, "cat docs/guide.md", w).decision).toBe("allow");
    expect(decide(p, "echo hi > docs/guide.md", w).decision).not.toBe("allow");
    expect(decide(p, "echo hi > src/main.ts", w).decision).toBe("allow");
    expect(decide(p, "cat /etc/hostname", w).decision).toBe("allow");
    // require_dry_run: true is the devops template: high risk is denied unless it is a dry run.
    expect(decide(p, "kubectl delete deployment web -n staging", w).decision).toBe("deny");
    expect(decide(p, "kubectl delete deployment web -n staging --dry-run=server", w).decision).toBe("ask");
    expect(p.notes.join("\n")).toContain("extends: devops");
  });
});

describe("switches", () => {
  it("execution.auto_approve_low_risk: false makes low risk ask", async () => {
    const p = await loadPolicyFile(fileWith("execution: {auto_approve_low_risk: false}\n"));
    expect(decide(p, "ls").decision).toBe("ask");
  });

  it("safety.allow_critical: true and require_approval: false are warned about and recorded as overrides", async () => {
    const p = await loadPolicyFile(fileWith("safety:\n  allow_critical: true\n  require_approval: false\n"));
    const eff = p.effective(null);
    expect(eff.mapping).toMatchObject({ medium: "allow", high: "allow", critical: "allow" });
    expect(p.warnings.join("\n")).toMatch(
      /policy\.yaml:2:\d+: safety\.allow_critical: true: critical commands/,
    );
    expect(p.warnings.join("\n")).toMatch(/policy\.yaml:3:\d+: safety\.require_approval: false/);
    expect(p.overrides.map((o) => o.what)).toEqual(
      expect.arrayContaining([
        expect.stringContaining("safety.allow_critical"),
        "decisions.critical: deny → allow",
      ]),
    );
  });

  it("an alias and its own key saying different things is an error naming both places", async () => {
    const message = await policyError(
      loadPolicyFile(fileWith("decisions: {low: ask}\nexecution: {auto_approve_low_risk: true}\n")),
    );
    expect(message).toMatch(
      /policy\.yaml:2:\d+: says decisions\.low: allow, but .*policy\.yaml:1:\d+ says ask/,
    );
    expect(
      await policyError(
        loadPolicyFile(fileWith("production: {action: raise}\nsafety: {block_production: true}\n")),
      ),
    ).toMatch(/production\.action/);
  });

  it("a repository policy cannot loosen through an alias", async () => {
    const w = workspace();
    mkdirSync(join(w.cwd, ".warden"));
    writeFileSync(
      join(w.cwd, ".warden", "policy.yaml"),
      "safety: {allow_critical: true, require_approval: false}\nfilesystem: {protected_paths: [secrets/**]}\n",
    );
    const p = await loadPolicy({ cwd: w.cwd, env: w.env });
    const eff = p.effective(null);
    expect(eff.mapping).toMatchObject({ medium: "ask", high: "ask", critical: "deny" });
    expect(p.overrides).toEqual([]);
    expect(p.warnings.join("\n")).toMatch(/policy\.yaml:1:\d+: ignored: .*untrusted repository/);
    // …but it can tighten: its protected path is a restriction.
    expect(eff.paths.restrictions.map((r) => r.pattern)).toContain("secrets/**");
  });

  it("the JSON schema describes the alias sections for editors", () => {
    const props = (jsonSchema() as { properties: Record<string, unknown> }).properties;
    for (const k of ["filesystem", "safety", "execution", "approvers", "approval"])
      expect(props).toHaveProperty(k);
  });
});

describe("approvers in the policy", () => {
  const key = () => rawPublicKey(generateKeyPairSync("ed25519").publicKey);

  it("the user policy's approvers: and approval: are used, together with approvers.yaml", async () => {
    const w = workspace();
    const alice = key();
    const bob = key();
    writeFileSync(join(w.config, "policy.yaml"), `approvers:\n  alice: ${alice}\napproval: {ttl: 5m}\n`);
    writeFileSync(join(w.config, "approvers.yaml"), `approvers:\n  bob: ${bob}\napproval: {ttl: 1h}\n`);
    const p = await loadPolicy({ cwd: w.cwd, env: w.env });
    const config = await loadApprovalConfig(w.env as NodeJS.ProcessEnv, p.approval);
    expect(config.approvers).toEqual({ alice, bob });
    // The policy wins for approval settings.
    expect(config.ttlMs).toBe(5 * 60_000);
  });

  it("one name with two different keys is an error naming both files", async () => {
    const w = workspace();
    writeFileSync(join(w.config, "policy.yaml"), `approvers:\n  alice: ${key()}\n`);
    writeFileSync(join(w.config, "approvers.yaml"), `approvers:\n  alice: ${key()}\n`);
    const p = await loadPolicy({ cwd: w.cwd, env: w.env });
    await expect(loadApprovalConfig(w.env as NodeJS.ProcessEnv, p.approval)).rejects.toThrow(ApprovalError);
    await expect(loadApprovalConfig(w.env as NodeJS.ProcessEnv, p.approval)).rejects.toThrow(
      /alice has two different keys: .*policy\.yaml:\d+:\d+ and .*approvers\.yaml/,
    );
  });

  it("a repository policy cannot add approvers (an agent could approve itself)", async () => {
    const w = workspace();
    mkdirSync(join(w.cwd, ".warden"));
    writeFileSync(join(w.config, "policy.yaml"), "trust_repo_policy: true\n");
    writeFileSync(join(w.cwd, ".warden", "policy.yaml"), `approvers:\n  agent: ${key()}\n`);
    const p = await loadPolicy({ cwd: w.cwd, env: w.env });
    expect(p.approval).toBeNull();
    expect(p.warnings.join("\n")).toMatch(/ignored: approvers in a repository policy/);
    expect((await loadApprovalConfig(w.env as NodeJS.ProcessEnv, p.approval)).approvers).toEqual({});
  });

  it("a bad key in the policy is a one-line error naming the policy", async () => {
    const w = workspace();
    writeFileSync(join(w.config, "policy.yaml"), "approvers:\n  alice: not-a-key\n");
    const p = await loadPolicy({ cwd: w.cwd, env: w.env });
    await expect(loadApprovalConfig(w.env as NodeJS.ProcessEnv, p.approval)).rejects.toThrow(
      /policy\.yaml:\d+:\d+: approver alice: not a valid public key/,
    );
  });
});
