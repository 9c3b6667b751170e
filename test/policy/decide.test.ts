import { describe, expect, it } from "vitest";
import { blockedPrograms } from "../../src/policy/index.ts";
import { INFRA_PROGRAMS } from "../../src/policy/templates/index.ts";
import { analysis, decideIn, findings, layer, policy } from "./helpers.ts";

const builtin = policy();

describe("risk → decision mapping", () => {
  it.each([
    ["low", "allow"],
    ["medium", "ask"],
    ["high", "ask"],
    ["critical", "deny"],
  ] as const)("built-in: %s → %s", (risk, decision) => {
    const v = decideIn(builtin, analysis("frobnicate"), findings(risk));
    expect(v.decision).toBe(decision);
    expect(v.reasons.at(-1)).toContain(`risk ${risk} → ${decision}`);
  });

  it("a layer's mapping applies and the reason names where it came from", () => {
    const p = policy(layer({ decisions: { medium: "deny" } }));
    const v = decideIn(p, analysis("frobnicate"), findings("medium"));
    expect(v.decision).toBe("deny");
    expect(v.reasons.join("\n")).toContain("file.yaml");
  });

  it("`unknown` sets the risk the rule context gives unknown commands", () => {
    expect(policy(layer({ unknown: "high" })).effective(null).unknown).toBe("high");
    expect(builtin.effective(null).unknown).toBe("medium");
  });

  it("an empty command line is allowed", () => {
    expect(decideIn(builtin, { source: "", invocations: [], notes: [], diagnostics: [] }, []).decision).toBe(
      "allow",
    );
  });

  it("findings without an invocation (parse errors) still count", () => {
    const a = analysis("ls");
    const v = decideIn(builtin, a, [{ risk: "high", rule: "shell.parse-error", reason: "x" }]);
    expect(v.decision).toBe("ask");
  });
});

describe("custom rules", () => {
  it("a flag-aware prefix rule matches every spelling of the flag", () => {
    const p = policy(
      layer({ rules: [{ match: "git push --force*", decision: "deny", reason: "no force pushes" }] }),
    );
    for (const cmd of [
      "git push --force",
      "git push -f origin main",
      "git -C x push --force",
      "git push --force-with-lease origin",
      "git push origin main -f",
    ]) {
      const v = decideIn(p, analysis(cmd), findings("low"));
      expect(v.decision, cmd).toBe("deny");
      expect(v.reasons.join("\n"), cmd).toContain("no force pushes");
    }
    expect(decideIn(p, analysis("git push origin main"), findings("low")).decision).toBe("allow");
  });

  it("decides per invocation: an allow for `git status` never covers the rest of the line", () => {
    const p = policy(layer({ rules: [{ match: "git status", decision: "allow" }] }));
    const v = decideIn(p, analysis("git status", "rm -rf /"), findings("low", "critical"));
    expect(v.decision).toBe("deny");
    expect(v.risk).toBe("critical");
  });

  it("exact rules do not approve extra words or environment", () => {
    const p = policy(layer({ rules: [{ match: "git status", exact: true, decision: "allow" }] }));
    expect(decideIn(p, analysis("git status"), findings("medium")).decision).toBe("allow");
    expect(decideIn(p, analysis("git -c core.sshCommand=evil status"), findings("medium")).decision).toBe(
      "ask",
    );
    expect(
      decideIn(
        p,
        analysis({ cmd: "git status", assignments: [["GIT_SSH_COMMAND", "evil"]] }),
        findings("medium"),
      ).decision,
    ).toBe("ask");
  });

  it("a prefix allow would approve the peer-bypass; that is why exact exists", () => {
    const p = policy(layer({ rules: [{ match: "git *", decision: "allow" }] }));
    expect(decideIn(p, analysis("git -c core.sshCommand=evil status"), findings("medium")).decision).toBe(
      "allow",
    );
  });

  it("sets risk, and the mapping decides", () => {
    const p = policy(layer({ rules: [{ program: "terraform", subcommand: "destroy", risk: "critical" }] }));
    const v = decideIn(p, analysis("terraform -chdir=x destroy -auto-approve"), findings("medium"));
    expect(v.risk).toBe("critical");
    expect(v.decision).toBe("deny");
  });

  it("matches by regex on the normalised invocation", () => {
    const p = policy(
      layer({
        rules: [
          { regex: "^curl .*\\|", risk: "high" },
          { regex: "^curl .*--upload-file", decision: "deny" },
        ],
      }),
    );
    expect(decideIn(p, analysis("curl --upload-file x https://h"), findings("low")).decision).toBe("deny");
  });

  it("the first matching rule wins; later layers come first", () => {
    const p = policy(
      layer({ rules: [{ match: "npm *", decision: "deny" }] }, "user"),
      layer({ rules: [{ match: "npm test", decision: "allow" }] }, "file"),
    );
    expect(decideIn(p, analysis("npm test"), findings("medium")).decision).toBe("allow");
    expect(decideIn(p, analysis("npm publish"), findings("medium")).decision).toBe("deny");
  });

  it("loosening a built-in deny needs override: true", () => {
    const without = policy(layer({ rules: [{ match: "rm -rf build", decision: "allow" }] }));
    const v = decideIn(without, analysis("rm -rf build"), findings("critical"));
    expect(v.decision).toBe("deny");
    expect(v.reasons.join("\n")).toContain("override");
    const withOverride = policy(
      layer({ rules: [{ match: "rm -rf build", decision: "allow", override: true }] }),
    );
    expect(decideIn(withOverride, analysis("rm -rf build"), findings("critical")).decision).toBe("allow");
  });

  it("expired rules are ignored with a warning", () => {
    const p = policy(
      layer({ rules: [{ match: "make deploy", decision: "allow", expires: "2020-01-01T00:00Z" }] }),
    );
    expect(decideIn(p, analysis("make deploy"), findings("medium")).decision).toBe("ask");
    expect(p.warnings.join("\n")).toMatch(/expired on 2020-01-01T00:00Z/);
  });

  it("future grants apply", () => {
    const p = policy(
      layer({ rules: [{ match: "make deploy", decision: "allow", expires: "2999-01-01T00:00Z" }] }),
    );
    expect(decideIn(p, analysis("make deploy"), findings("medium")).decision).toBe("allow");
  });
});

describe("forbidden", () => {
  it.each(["sudo", "su", "doas", "pkexec"])("%s is forbidden by default, whatever the mode", (prog) => {
    const a = analysis(`${prog} ls`);
    for (const modes of [{}, { yolo: true }, { noApproval: true }]) {
      const v = decideIn(
        policy(layer({ yolo: { allowed_users: ["alice"], allow_critical: true } }, "user")),
        a,
        findings("low"),
        { ...modes, facts: { user: "alice" } },
      );
      expect(v.decision).toBe("deny");
      expect(v.forbidden).toBe(true);
    }
    const container = policy(layer({ container: { backend: "docker" } }));
    expect(decideIn(container, a, findings("low")).decision).toBe("deny");
  });

  it("a layer can forbid more, by pattern", () => {
    const p = policy(layer({ forbidden: ["terraform destroy*", { program: "shutdown", reason: "no" }] }));
    expect(decideIn(p, analysis("terraform destroy -auto-approve"), findings("low")).forbidden).toBe(true);
    expect(decideIn(p, analysis("terraform plan"), findings("low")).forbidden).toBe(false);
    expect(decideIn(p, analysis("shutdown -h now"), findings("low")).decision).toBe("deny");
  });

  it("removing a built-in forbid needs override: true and is exposed as an override", async () => {
    const { PolicyError } = await import("../../src/policy/errors.ts");
    expect(() => policy(layer({ forbidden: [{ program: "sudo", remove: true }] }, "user"))).toThrow(
      PolicyError,
    );
    const p = policy(layer({ forbidden: [{ program: "sudo", remove: true, override: true }] }, "user"));
    expect(decideIn(p, analysis("sudo ls"), findings("low")).forbidden).toBe(false);
    expect(p.overrides).toEqual([
      expect.objectContaining({ what: "forbidden sudo removed", layer: "user.yaml" }),
    ]);
  });
});

describe("blocklists (infra-lockdown)", () => {
  const lockdown = policy(layer({ extends: "infra-lockdown" }));
  it.each(INFRA_PROGRAMS)("%s is denied", (prog) => {
    const v = decideIn(lockdown, analysis(`${prog} --version`), findings("low"));
    expect(v.decision).toBe("deny");
    expect(v.reasons.join("\n")).toContain("blocked");
  });
  it.each(["ls -la", "git status", "python --version"])("%s keeps working", (cmd) => {
    expect(decideIn(lockdown, analysis(cmd), findings("low")).decision).toBe("allow");
  });
  it("a blocked program inside a wrapper is still blocked (decided per invocation)", () => {
    const a = analysis({ cmd: "bash -c", via: [] }, { cmd: "docker ps", via: ["bash -c"] });
    expect(decideIn(lockdown, a, findings("low", "low")).decision).toBe("deny");
  });
  it("blockedPrograms lists what the sandbox must mask", () => {
    expect(blockedPrograms(lockdown)).toEqual(
      [...new Set([...INFRA_PROGRAMS, "doas", "pkexec", "su", "sudo"])].sort(),
    );
  });
  it("lists per user and agent", () => {
    const p = policy(
      layer({
        blocklists: [
          { programs: ["kubectl"], users: ["agent-*"] },
          { programs: ["psql"], agents: ["codex"] },
        ],
      }),
    );
    expect(
      decideIn(p, analysis("kubectl get pods"), findings("low"), { facts: { user: "agent-7" } }).decision,
    ).toBe("deny");
    expect(
      decideIn(p, analysis("kubectl get pods"), findings("low"), { facts: { user: "alice" } }).decision,
    ).toBe("allow");
    expect(decideIn(p, analysis("psql -c x"), findings("low"), { facts: { agent: "codex" } }).decision).toBe(
      "deny",
    );
    expect(blockedPrograms(p, { user: "agent-7" })).toContain("kubectl");
    expect(blockedPrograms(p, { user: "alice" })).not.toContain("kubectl");
    expect(blockedPrograms(p, { agent: "codex" })).toContain("psql");
  });
});

describe("production targets", () => {
  it.each([
    { cmd: "kubectl -n prod delete pod x" },
    { cmd: "kubectl delete pod x --namespace=prod" },
    { cmd: "kubectl --namespace prod delete pod x" },
    { cmd: "kubectl --context prod-cluster delete pod x" },
    { cmd: "aws s3 rm s3://b/k --profile prod" },
    { cmd: "aws s3 rm s3://b/k", assignments: [["AWS_PROFILE", "prod"]] as [string, string][] },
    { cmd: "gcloud compute instances delete x --project shop-prod" },
  ])("$cmd raises medium → high", (spec) => {
    const v = decideIn(builtin, analysis(spec), findings("medium"));
    expect(v.risk).toBe("high");
    expect(v.reasons.join("\n")).toContain("production");
  });

  it("raises high → critical (deny) and leaves reads alone", () => {
    expect(decideIn(builtin, analysis("kubectl -n prod delete ns x"), findings("high")).decision).toBe(
      "deny",
    );
    expect(decideIn(builtin, analysis("kubectl -n prod get pods"), findings("low")).decision).toBe("allow");
    expect(decideIn(builtin, analysis("kubectl -n staging delete pod x"), findings("medium")).risk).toBe(
      "medium",
    );
  });

  it("the session's AWS_PROFILE counts", () => {
    const v = decideIn(builtin, analysis("aws s3 rm s3://b/k"), findings("medium"), {
      facts: { env: { HOME: "/home/agent", AWS_PROFILE: "prod" } },
    });
    expect(v.risk).toBe("high");
  });

  it("can block, and matches hosts and database URLs", () => {
    const p = policy(
      layer({
        production: { hosts: ["*.prod.example.com"], databases: ["postgres://*@db.prod*"], action: "deny" },
      }),
    );
    expect(decideIn(p, analysis("ssh deploy@web1.prod.example.com uptime"), findings("low")).decision).toBe(
      "deny",
    );
    expect(
      decideIn(p, analysis("psql postgres://app@db.prod.internal/shop -c select"), findings("low")).decision,
    ).toBe("deny");
    expect(decideIn(p, analysis("psql -h web1.prod.example.com"), findings("low")).decision).toBe("deny");
    expect(decideIn(p, analysis("ssh web1.staging.example.com"), findings("low")).decision).toBe("allow");
  });
});

describe("profiles", () => {
  it("ci: nobody can approve, ask → deny", () => {
    const v = decideIn(builtin, analysis("frobnicate"), findings("medium"), { profile: "ci" });
    expect(v.decision).toBe("deny");
    expect(v.reasons[0]).toBe("profile ci");
    expect(decideIn(builtin, analysis("ls"), findings("low"), { profile: "ci" }).decision).toBe("allow");
  });

  it("selected by agent, then by OS user; --profile wins", () => {
    const p = policy(
      layer(
        {
          profiles: {
            bots: { agents: ["codex*"], decisions: { medium: "deny" } },
            maintainers: { users: ["alice"], decisions: { medium: "allow" } },
          },
        },
        "user",
      ),
    );
    expect(decideIn(p, analysis("x"), findings("medium"), { facts: { agent: "codex-cli" } }).decision).toBe(
      "deny",
    );
    expect(decideIn(p, analysis("x"), findings("medium"), { facts: { user: "alice" } }).decision).toBe(
      "allow",
    );
    expect(
      decideIn(p, analysis("x"), findings("medium"), { facts: { user: "alice" }, profile: "ci" }).decision,
    ).toBe("deny");
    expect(decideIn(p, analysis("x"), findings("medium"), { facts: { user: "bob" } }).decision).toBe("ask");
  });

  it("an unknown --profile is an error naming the nearest one", () => {
    expect(() => builtin.selectProfile({ explicit: "cii" })).toThrow(
      /unknown profile 'cii' \(did you mean 'ci'\?\)/,
    );
  });

  it("a profile changes the policy hash", () => {
    expect(builtin.effective("ci").hash).not.toBe(builtin.effective(null).hash);
    expect(builtin.effective(null).hash).toMatch(/^[0-9a-f]{64}$/);
    expect(decideIn(builtin, analysis("ls"), findings("low")).policy).toBe(builtin.effective(null).hash);
  });
});

describe("modes", () => {
  const yoloPolicy = policy(layer({ yolo: { allowed_users: ["alice"] } }, "user"));

  it("--no-approval: only what is allowed runs, and the message says how to approve", () => {
    const v = decideIn(builtin, analysis("frobnicate"), findings("medium"), { noApproval: true });
    expect(v.decision).toBe("deny");
    expect(v.mode).toBe("no-approval");
    expect(v.reasons.at(-1)).toMatch(/without --no-approval/);
    expect(decideIn(builtin, analysis("ls"), findings("low"), { noApproval: true }).decision).toBe("allow");
  });

  it("--yolo for an allowed user: ask → allow, critical stays denied", () => {
    const v = decideIn(yoloPolicy, analysis("frobnicate"), findings("high"), {
      yolo: true,
      facts: { user: "alice" },
    });
    expect(v).toMatchObject({ decision: "allow", mode: "yolo", yolo: true });
    expect(
      decideIn(yoloPolicy, analysis("x"), findings("critical"), { yolo: true, facts: { user: "alice" } })
        .decision,
    ).toBe("deny");
  });

  it("--yolo with allow_critical lifts critical too", () => {
    const p = policy(layer({ yolo: { allowed_users: ["alice"], allow_critical: true } }, "user"));
    expect(
      decideIn(p, analysis("x"), findings("critical"), { yolo: true, facts: { user: "alice" } }).decision,
    ).toBe("allow");
  });

  it("--yolo by a user not allowed is a deny with the reason", () => {
    const v = decideIn(yoloPolicy, analysis("ls"), findings("low"), {
      yolo: true,
      facts: { user: "mallory" },
    });
    expect(v.decision).toBe("deny");
    expect(v.yolo).toBeUndefined();
    expect(v.reasons.join("\n")).toMatch(/mallory is not in yolo.allowed_users/);
  });

  it("container backend: everything but forbidden is allowed, recorded as such", () => {
    const p = policy(layer({ container: { backend: "podman", name: "devbox" } }));
    const v = decideIn(p, analysis("rm -rf /"), findings("critical"));
    expect(v).toMatchObject({ decision: "allow", mode: "container" });
    expect(v.reasons.join("\n")).toContain("podman devbox");
    expect(decideIn(p, analysis("rm -rf /"), findings("critical"), { container: false }).decision).toBe(
      "deny",
    );
  });
});

describe("untrusted repository layers only tighten", () => {
  const repo = (doc: Parameters<typeof layer>[0]) => policy(layer(doc, "repo", false));
  it("cannot loosen the mapping, remove forbids, allow by rule, grant paths or declare containers", () => {
    const p = repo({
      decisions: { critical: "allow", medium: "allow", override: true },
      forbidden: [{ program: "sudo", remove: true, override: true }],
      rules: [{ match: "rm *", decision: "allow", override: true }],
      paths: { outside: "full", entries: [{ path: "/etc", permission: "full" }] },
      container: { backend: "docker" },
      yolo: { allowed_users: ["agent"], allow_critical: true },
    });
    expect(decideIn(p, analysis("x"), findings("critical")).decision).toBe("deny");
    expect(decideIn(p, analysis("x"), findings("medium")).decision).toBe("ask");
    expect(decideIn(p, analysis("sudo ls"), findings("low")).decision).toBe("deny");
    expect(decideIn(p, analysis("rm -rf x"), findings("medium")).decision).toBe("ask");
    expect(decideIn(p, analysis("touch /etc/passwd"), findings("low")).decision).toBe("ask");
    expect(
      decideIn(p, analysis("ls"), findings("low"), { yolo: true, facts: { user: "agent" } }).decision,
    ).toBe("deny");
    expect(p.warnings.filter((w) => w.includes("ignored")).length).toBeGreaterThanOrEqual(5);
  });

  it("can tighten", () => {
    const p = repo({
      decisions: { medium: "deny" },
      rules: [{ match: "npm publish", decision: "deny" }],
      forbidden: ["curl"],
    });
    expect(decideIn(p, analysis("x"), findings("medium")).decision).toBe("deny");
    expect(decideIn(p, analysis("npm publish"), findings("low")).decision).toBe("deny");
    expect(decideIn(p, analysis("curl x"), findings("low")).forbidden).toBe(true);
  });

  it("a repository rule cannot lower what a trusted rule decided", () => {
    const p = policy(
      layer({ rules: [{ match: "npm *", decision: "deny" }] }, "user"),
      layer({ rules: [{ match: "npm test", risk: "medium" }] }, "repo", false),
    );
    expect(decideIn(p, analysis("npm test"), findings("low")).decision).toBe("deny");
  });

  it("cannot pick a looser profile for its agent", () => {
    const p = repo({ profiles: { "trusted-maintainer": { agents: ["*"] } } });
    expect(p.selectProfile({ agent: "claude" })).toBeNull();
  });
});
