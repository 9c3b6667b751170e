// Properties of layering: tightening never loosens, an untrusted layer never loosens whatever it says,
// a malformed layer never loads.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { PolicyDocument } from "../../src/policy/document.ts";
import { PolicyError } from "../../src/policy/errors.ts";
import { parsePolicyText } from "../../src/policy/parse.ts";
import type { Decision, Risk } from "../../src/types.ts";
import { analysis, decideIn, findings, layer, policy } from "./helpers.ts";

const RANK: Record<Decision, number> = { allow: 0, ask: 1, deny: 2 };
const risk = fc.constantFrom<Risk>("low", "medium", "high", "critical");
const decision = fc.constantFrom<Decision>("allow", "ask", "deny");
const programs = ["git", "rm", "npm", "kubectl", "curl", "make", "docker", "cat", "touch"];
const commands = fc.constantFrom(
  "git status",
  "git push -f origin main",
  "rm -rf build",
  "rm -rf /etc",
  "npm test",
  "kubectl -n prod delete pod x",
  "curl https://x",
  "make deploy",
  "docker ps",
  "cat .env",
  "touch /srv/x",
  "touch ~/.bashrc",
);
const cases = fc.tuple(
  fc.array(commands, { minLength: 1, maxLength: 3 }),
  fc.array(risk, { minLength: 3, maxLength: 3 }),
);

const anyLayer: fc.Arbitrary<PolicyDocument> = fc.record(
  {
    unknown: risk,
    decisions: fc.record(
      { low: decision, medium: decision, high: decision, critical: decision, override: fc.boolean() },
      { requiredKeys: [] },
    ),
    approvals: fc.boolean(),
    rules: fc.array(
      fc.record({
        match: fc.constantFrom(...programs.map((p) => `${p} *`), "git push", "rm -rf *", "npm test"),
        decision,
        override: fc.boolean(),
      }),
      { maxLength: 4 },
    ),
    forbidden: fc.array(
      fc.record({
        program: fc.constantFrom("sudo", "su", "git"),
        remove: fc.boolean(),
        override: fc.boolean(),
      }),
      { maxLength: 2 },
    ),
    paths: fc.record(
      {
        outside: fc.constantFrom("none", "read", "write", "full" as const),
        decision: fc.constantFrom("ask", "deny" as const),
        entries: fc.array(
          fc.record({
            path: fc.constantFrom("/etc", "/srv/**", "~/.bashrc", "/", "*.env"),
            permission: fc.constantFrom("none", "read", "full" as const),
          }),
          { maxLength: 3 },
        ),
      },
      { requiredKeys: [] },
    ),
    secrets: fc.record(
      { decision: fc.constantFrom("ask", "deny" as const), except: fc.constant([".env"]) },
      { requiredKeys: [] },
    ),
    production: fc.record(
      { action: fc.constantFrom("raise", "ask", "deny" as const), namespaces: fc.constant(["x"]) },
      { requiredKeys: [] },
    ),
    container: fc.constant({ backend: "docker" }),
    yolo: fc.record(
      { allowed_users: fc.constant(["agent"]), allow_critical: fc.boolean() },
      { requiredKeys: [] },
    ),
  },
  { requiredKeys: [] },
);

/** Layers made only of tightening statements. */
const tighteningLayer: fc.Arbitrary<PolicyDocument> = fc.record(
  {
    unknown: fc.constant<Risk>("critical"),
    decisions: fc.record(
      {
        low: fc.constant<Decision>("deny"),
        medium: fc.constant<Decision>("deny"),
        high: fc.constant<Decision>("deny"),
      },
      { requiredKeys: [] },
    ),
    approvals: fc.constant(false),
    rules: fc.array(
      fc.record({
        match: fc.constantFrom(...programs.map((p) => `${p} *`)),
        decision: fc.constant<Decision>("deny"),
      }),
      { maxLength: 3 },
    ),
    forbidden: fc.array(fc.constantFrom("curl", "make deploy"), { maxLength: 2 }),
    blocklists: fc.array(fc.record({ programs: fc.constant(["docker"]) }), { maxLength: 1 }),
    secrets: fc.record(
      { decision: fc.constant<"deny">("deny"), paths: fc.constant(["*.md"]) },
      { requiredKeys: [] },
    ),
    production: fc.record(
      { action: fc.constant<"deny">("deny"), namespaces: fc.constant(["prod"]) },
      { requiredKeys: [] },
    ),
  },
  { requiredKeys: [] },
);

function decisions(p: ReturnType<typeof policy>, cmds: string[], risks: Risk[], modes = {}): Decision {
  const a = analysis(...cmds);
  return decideIn(p, a, findings(...risks.slice(0, cmds.length)), { ...modes, facts: { user: "agent" } })
    .decision;
}

describe("layering properties", () => {
  it("an untrusted (repository) layer never turns a deny or ask into allow, whatever it says", () => {
    fc.assert(
      fc.property(anyLayer, cases, fc.boolean(), (doc, [cmds, risks], yolo) => {
        const base = policy();
        const withRepo = policy(layer(doc, "repo", false));
        expect(RANK[decisions(withRepo, cmds, risks, { yolo })]).toBeGreaterThanOrEqual(
          RANK[decisions(base, cmds, risks, { yolo })],
        );
      }),
      { numRuns: 300 },
    );
  });

  it("a trusted layer that only tightens never loosens", () => {
    fc.assert(
      fc.property(anyLayer, tighteningLayer, cases, (first, tight, [cmds, risks]) => {
        let before: ReturnType<typeof policy>;
        try {
          before = policy(layer(first, "user"));
        } catch (err) {
          if (err instanceof PolicyError) return; // the first layer itself needed an override: nothing to compare
          throw err;
        }
        const after = policy(layer(first, "user"), layer(tight, "file"));
        expect(RANK[decisions(after, cmds, risks)]).toBeGreaterThanOrEqual(
          RANK[decisions(before, cmds, risks)],
        );
      }),
      { numRuns: 300 },
    );
  });

  it("a malformed layer never loads", () => {
    const malformed = fc.oneof(
      fc.constantFrom(
        "decisions: {medium: alow}\n",
        "rules: [{match: x}]\n",
        "forbiden: [rm]\n",
        "paths: {outside: everything}\n",
        "unknown: [1]\n",
        "- a list\n",
        "rules: [\n",
        "yolo: {allow_critical: yes please}\n",
      ),
      fc.string().map((s) => `decisions: {medium: allow}\nzz${s.replace(/\W/g, "")}: 1\n`),
    );
    fc.assert(
      fc.property(malformed, (text) => {
        expect(() => parsePolicyText(text, "policy.yaml", "repo", false)).toThrow(PolicyError);
      }),
      { numRuns: 100 },
    );
  });
});
