// The policy's `sandbox:` and `audit:` sections: validation with positions, and folding across layers
// (trusted layers set anything; an untrusted repository layer can only confine more).
import { describe, expect, it } from "vitest";
import { PolicyError } from "../../src/policy/errors.ts";
import { parsePolicyText } from "../../src/policy/parse.ts";
import { layer, policy } from "./helpers.ts";

describe("sandbox and audit settings", () => {
  it("validates with file:line:col and the field", () => {
    const text = "sandbox:\n  limits:\n    memory: lots\n";
    expect(() => parsePolicyText(text, "p.yaml", "file", true)).toThrow(PolicyError);
    try {
      parsePolicyText(text, "p.yaml", "file", true);
    } catch (err) {
      expect((err as Error).message).toMatch(/^p\.yaml:3:\d+: .*sandbox\.limits\.memory/);
    }
    expect(() => parsePolicyText("sandbox:\n  env: ['A=B']\n", "p.yaml", "file", true)).toThrow(
      /sandbox\.env/,
    );
    expect(() => parsePolicyText("audit:\n  reqired: false\n", "p.yaml", "file", true)).toThrow(/required/);
  });

  it("parses sizes and seconds into the sandbox's units", () => {
    const src = parsePolicyText(
      "sandbox:\n  timeout: 1.5\n  limits: {memory: 512MiB, file_size: 10MB, cpu: 30}\n",
      "p.yaml",
      "file",
      true,
    );
    const eff = policy(src).effective(null);
    expect(eff.sandbox.timeoutMs).toBe(1500);
    expect(eff.sandbox.limits).toEqual({ memoryBytes: 512 * 1024 ** 2, fileSizeBytes: 10e6, cpuSeconds: 30 });
  });

  it("defaults: hook commands confined, refuse when unavailable, no network, no unix sockets, audit required", () => {
    const eff = policy().effective(null);
    expect(eff.sandbox).toEqual({
      hooks: "confine",
      confinedMedium: "allow",
      unavailable: "refuse",
      network: false,
      unixSockets: false,
      sessionNetwork: true,
      env: [],
      limits: {},
    });
    expect(eff.audit.required).toBe(true);
  });

  it("hook confinement: only a trusted layer turns it off or makes confined medium risk allowed again", () => {
    const off = { sandbox: { hooks: "off" as const, confined_decisions: { medium: "allow" as const } } };
    const tighten = { sandbox: { confined_decisions: { medium: "ask" as const } } };
    expect(policy(layer(off)).effective(null).sandbox.hooks).toBe("off");
    const repo = policy(layer(tighten), layer(off, "repo", false)).effective(null);
    expect(repo.sandbox).toMatchObject({ hooks: "confine", confinedMedium: "ask" });
    expect(repo.warnings.join("\n")).toMatch(/sandbox\.hooks: off/);
    expect(policy(layer(tighten, "repo", false)).effective(null).sandbox.confinedMedium).toBe("ask");
  });

  it("an untrusted layer cannot loosen the sandbox or the audit requirement", () => {
    const trusted = layer({
      sandbox: { timeout: 60, limits: { processes: 100, memory: 1e9 } },
    });
    const repo = layer(
      {
        sandbox: {
          unavailable: "unconfined",
          network: true,
          unix_sockets: true,
          env: ["AWS_SECRET_ACCESS_KEY"],
          timeout: 600,
          limits: { processes: 5000, memory: 5e8 },
        },
        audit: { required: false },
      },
      "repo",
      false,
    );
    const eff = policy(trusted, repo).effective(null);
    expect(eff.sandbox.unavailable).toBe("refuse");
    expect(eff.sandbox.network).toBe(false);
    expect(eff.sandbox.unixSockets).toBe(false);
    expect(eff.sandbox.env).toEqual([]);
    expect(eff.sandbox.timeoutMs).toBe(60_000);
    expect(eff.sandbox.limits).toEqual({ processes: 100, memoryBytes: 5e8 });
    expect(eff.audit.required).toBe(true);
    const warned = eff.warnings.join("\n");
    for (const what of [
      "unconfined",
      "network",
      "unix_sockets",
      "environment",
      "timeout",
      "processes",
      "audit.required",
    ])
      expect(warned).toContain(what);
  });

  it("a trusted layer may loosen: degraded mode, network, env, audit not required", () => {
    const eff = policy(
      layer({
        sandbox: { unavailable: "unconfined", network: true, env: ["CARGO_HOME"] },
        audit: { required: false },
      }),
    ).effective(null);
    expect(eff.sandbox).toMatchObject({ unavailable: "unconfined", network: true, env: ["CARGO_HOME"] });
    expect(eff.audit.required).toBe(false);
  });
});
