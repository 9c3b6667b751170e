// The approval stage behind the agent hooks: an `ask` the agent cannot put to its user files a pending
// request; once a human approves it, the unchanged retry is allowed exactly once.

import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { loadApprovalConfig } from "../../src/approval/config.ts";
import { signDecision, unlockKey } from "../../src/approval/index.ts";
import { handleClaudeHook } from "../../src/integrations/claude-code.ts";
import { makeKey, type TestEnv, testEnv, writeApprovers } from "../approval/helpers.ts";
import { claudeAnswer, claudePayload, unconfined } from "./helpers.ts";

let t: TestEnv;
afterEach(() => t?.cleanup());

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((d) => d.isFile())
    .map((d) => join(d.parentPath, d.name));
}

describe("claude hook with approvals", () => {
  it("ask → pending id; approve → the retry is allowed once, naming the approver; then a new request", async () => {
    t = testEnv();
    // A medium-risk command that would run confined is allowed without asking: test the ask path unconfined.
    unconfined(t.env);
    writeApprovers(t, { alice: makeKey(t, "alice") });
    const cwd = t.root;
    const payload = claudePayload({
      tool: "Bash",
      input: { command: "frobnicate-unknown-tool --now" },
      cwd,
      mode: "dontAsk",
    });
    const ask = async () =>
      claudeAnswer((await handleClaudeHook(payload, { env: t.env })).stdout).hookSpecificOutput;

    const first = await ask();
    expect(first.permissionDecision).toBe("deny");
    const id = /warden approve ([a-z0-9]+)/.exec(first.permissionDecisionReason)![1]!;
    expect((await ask()).permissionDecisionReason).toMatch(/not approved yet: approval \S+ is waiting/);

    const config = await loadApprovalConfig(t.env);
    await signDecision(id, "approve", unlockKey("alice", "pass-alice-123", t.env), config, { env: t.env });
    const approved = await ask();
    expect(approved.permissionDecision).toBe("allow");
    expect(approved.permissionDecisionReason).toContain(`approved by alice (approval ${id})`);

    const replay = await ask();
    expect(replay.permissionDecision).toBe("deny");
    expect(replay.permissionDecisionReason).not.toContain(`warden approve ${id} `);

    // The hook's approval events (filed, refused while waiting, spent) went to the audit log.
    const audit = filesUnder(join(t.env.WARDEN_STATE_DIR!, "audit"))
      .map((f) => readFileSync(f, "utf8"))
      .join("\n");
    for (const event of ["requested", "refused", "consumed"]) expect(audit).toContain(event);
  });
});
