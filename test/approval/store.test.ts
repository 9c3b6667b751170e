import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  type ApprovalConfig,
  approvalNeededMessage,
  approvalsDir,
  defaultApprovalConfig,
  findValidApproval,
  requestApproval,
  type Signer,
  signDecision,
  unlockKey,
} from "../../src/approval/index.ts";
import type { AuditEvent } from "../../src/audit/record.ts";
import { askVerdict, commandRequest, makeKey, type TestEnv, testEnv } from "./helpers.ts";

let t: TestEnv;
let keys: Record<string, string>;
let config: ApprovalConfig;
let events: AuditEvent[];

function signer(name: string): Signer {
  return unlockKey(name, `pass-${name}-123`, t.env);
}

const opts = () => ({ env: t.env, audit: (e: AuditEvent) => events.push(e) });
const kinds = () => events.map((e) => (e.details as { event: string }).event);

beforeEach(() => {
  t = testEnv();
  keys = { alice: makeKey(t, "alice"), bob: makeKey(t, "bob"), mallory: makeKey(t, "mallory") };
  config = { ...defaultApprovalConfig(), approvers: { alice: keys.alice!, bob: keys.bob! } };
  events = [];
});
afterEach(() => t.cleanup());

describe("pending approval requests", () => {
  it("files one request per exact request, atomically and privately, and reuses it when asked again", () => {
    const req = commandRequest("terraform apply", { rationale: "deploy the fix" });
    const first = requestApproval(req, askVerdict(), opts());
    expect(first.existing).toBe(false);
    const again = requestApproval(req, askVerdict(), opts());
    expect(again).toMatchObject({ id: first.id, existing: true, hash: first.hash });
    expect(kinds()).toEqual(["requested"]);
    const file = join(approvalsDir(t.env), "requests", `${first.id}.json`);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const stored = JSON.parse(readFileSync(file, "utf8"));
    expect(stored.canonical).toMatchObject({
      command: "terraform apply",
      cwd: "/srv/app",
      user: "alice",
      agent: "claude",
      env: { AWS_PROFILE: "prod" },
    });
    expect(stored.findings).toHaveLength(1);
    expect(stored.rationale).toBe("deploy the fix");
    const other = requestApproval(
      commandRequest("terraform apply", { cwd: "/srv/other" }),
      askVerdict(),
      opts(),
    );
    expect(other.id).not.toBe(first.id);
    expect(readdirSync(join(approvalsDir(t.env), "requests")).filter((n) => n.endsWith(".tmp"))).toEqual([]);
  });

  it("refuses to file a request for a verdict that is not ask", () => {
    expect(() =>
      requestApproval(commandRequest("ls"), { ...askVerdict(), decision: "deny" }, opts()),
    ).toThrow(/only an 'ask'/);
    expect(() =>
      requestApproval(commandRequest("ls"), { ...askVerdict(), forbidden: true }, opts()),
    ).toThrow();
  });

  it("the retry is refused until approved, allowed once after, and a replay is refused (single use)", async () => {
    const req = commandRequest("kubectl delete pod web-1");
    const { id } = requestApproval(req, askVerdict(), opts());
    const before = findValidApproval(req, askVerdict(), config, opts());
    expect(before).toMatchObject({ approved: false, id });
    expect(before.reason).toMatch(/waiting for a human decision/);
    const outcome = await signDecision(id, "approve", signer("alice"), config, opts());
    expect(outcome).toMatchObject({ approvals: 1, needed: 1, approver: ["alice"] });
    const ok = findValidApproval(req, askVerdict(), config, opts());
    expect(ok).toMatchObject({ approved: true, id, approvers: ["alice"] });
    expect(ok.tokens).toHaveLength(1);
    const replay = findValidApproval(req, askVerdict(), config, opts());
    expect(replay.approved).toBe(false);
    expect(replay.reason).toMatch(/already used/);
    expect(kinds()).toEqual(["requested", "refused", "approved", "consumed", "refused"]);
    // Asking again after use needs a new human decision.
    const next = requestApproval(req, askVerdict(), opts());
    expect(next.existing).toBe(false);
    expect(next.id).not.toBe(id);
    expect(findValidApproval(req, askVerdict(), config, opts()).approved).toBe(false);
  });

  it("an approval is for exactly that request: another command, cwd, target env or policy is refused", async () => {
    const req = commandRequest("terraform apply");
    const { id } = requestApproval(req, askVerdict(), opts());
    await signDecision(id, "approve", signer("alice"), config, opts());
    for (const changed of [
      commandRequest("terraform apply && rm -rf /"),
      commandRequest("terraform apply", { cwd: "/" }),
      commandRequest("terraform apply", { env: { AWS_PROFILE: "other" } }),
      commandRequest("terraform apply", { user: "bob" }),
      commandRequest("terraform apply", { agent: { name: "codex" } }),
    ])
      expect(findValidApproval(changed, askVerdict(), config, opts()).approved).toBe(false);
    const newPolicy = findValidApproval(req, askVerdict("high", "b".repeat(64)), config, opts());
    expect(newPolicy.approved).toBe(false);
    expect(newPolicy.rejected.map((r) => r.reason)).toEqual(["wrong-policy"]);
    expect(kinds()).toContain("rejected");
    // The original still works once.
    expect(findValidApproval(req, askVerdict(), config, opts()).approved).toBe(true);
  });

  it("two-person rule: one key twice is not enough; two distinct approvers are", async () => {
    const req = commandRequest("aws rds delete-db-instance --db-instance-identifier prod");
    const v = askVerdict("critical");
    const { id } = requestApproval(req, v, opts());
    const first = await signDecision(id, "approve", signer("alice"), config, opts());
    expect(first).toMatchObject({ approvals: 1, needed: 2 });
    await signDecision(id, "approve", signer("alice"), config, opts());
    const once = findValidApproval(req, v, config, opts());
    expect(once).toMatchObject({ approved: false, twoPerson: true });
    expect(once.reason).toMatch(/two distinct approvers/);
    expect(once.rejected.map((r) => r.reason)).toEqual(["denied-duplicate"]);
    await signDecision(id, "approve", signer("bob"), config, opts());
    const both = findValidApproval(req, v, config, opts());
    expect(both.approved).toBe(true);
    expect(both.approvers.sort()).toEqual(["alice", "bob"]);
  });

  it("two-person rule: the requester's key listed under a second name still counts once", async () => {
    const aliased = { ...config, approvers: { ...config.approvers, "alice-admin": keys.alice! } };
    const req = commandRequest("drop database", { user: "alice" });
    const v = askVerdict("critical");
    const { id } = requestApproval(req, v, opts());
    await signDecision(id, "approve", signer("alice"), aliased, opts());
    expect(findValidApproval(req, v, aliased, opts()).approved).toBe(false);
    await signDecision(id, "approve", signer("bob"), aliased, opts());
    expect(findValidApproval(req, v, aliased, opts()).approved).toBe(true);
  });

  it("two_person is configurable per risk", async () => {
    const strict = { ...config, twoPerson: ["high" as const, "critical" as const] };
    const req = commandRequest("git push --force");
    const { id } = requestApproval(req, askVerdict("high"), opts());
    await signDecision(id, "approve", signer("alice"), strict, opts());
    expect(findValidApproval(req, askVerdict("high"), strict, opts()).approved).toBe(false);
    expect(findValidApproval(req, askVerdict("high"), config, { ...opts(), peek: true }).approved).toBe(true);
  });

  it("a key that is not in the policy cannot approve, and its planted tokens are rejected and recorded", async () => {
    const req = commandRequest("rm -rf build");
    const { id } = requestApproval(req, askVerdict(), opts());
    await expect(signDecision(id, "approve", signer("mallory"), config, opts())).rejects.toThrow(
      /not in the policy's approvers/,
    );
    // Mallory signs with a config that lists her, and plants the token in the store.
    const lenient = { ...config, approvers: { ...config.approvers, mallory: keys.mallory! } };
    await signDecision(id, "approve", signer("mallory"), lenient, opts());
    const r = findValidApproval(req, askVerdict(), config, opts());
    expect(r.approved).toBe(false);
    expect(r.rejected.map((x) => x.reason)).toEqual(["unknown-approver"]);
    expect(events.some((e) => (e.details as { reason?: string }).reason === "unknown-approver")).toBe(true);
  });

  it("a forged (edited) token on disk is rejected as a bad signature", async () => {
    const req = commandRequest("helm uninstall api");
    const { id } = requestApproval(req, askVerdict(), opts());
    const { token } = await signDecision(id, "approve", signer("alice"), config, opts());
    const path = join(approvalsDir(t.env), "tokens", id, `${token.nonce}.json`);
    writeFileSync(path, JSON.stringify({ ...token, exp: token.exp + 3_600_000 }));
    const r = findValidApproval(req, askVerdict(), config, opts());
    expect(r.approved).toBe(false);
    expect(r.rejected.map((x) => x.reason)).toEqual(["bad-signature"]);
    writeFileSync(path, "{not json");
    expect(findValidApproval(req, askVerdict(), config, opts()).rejected.map((x) => x.reason)).toEqual([
      "malformed",
    ]);
  });

  it("an expired approval is refused with that reason", async () => {
    const req = commandRequest("terraform destroy");
    const now = Date.now();
    const { id } = requestApproval(req, askVerdict(), { ...opts(), now });
    await signDecision(id, "approve", signer("alice"), config, { ...opts(), now, validForMs: 60_000 });
    const late = findValidApproval(req, askVerdict(), config, { ...opts(), now: now + 10 * 60_000 });
    expect(late.approved).toBe(false);
    expect(late.rejected.map((x) => x.reason)).toEqual(["expired"]);
  });

  it("an expired request cannot be approved; asking again files a fresh one", async () => {
    const req = commandRequest("terraform destroy");
    const now = Date.now();
    const { id } = requestApproval(req, askVerdict(), { ...opts(), now: now - 20 * 60_000 });
    await expect(signDecision(id, "approve", signer("alice"), config, opts())).rejects.toThrow(/expired/);
    const fresh = requestApproval(req, askVerdict(), opts());
    expect(fresh.existing).toBe(false);
  });

  it("a denial is reported with the approver's reason", async () => {
    const req = commandRequest("kubectl drain node-1");
    const { id } = requestApproval(req, askVerdict(), opts());
    await expect(signDecision(id, "deny", signer("bob"), config, opts())).rejects.toThrow(/needs a reason/);
    await signDecision(id, "deny", signer("bob"), config, { ...opts(), reason: "not during business hours" });
    await signDecision(id, "approve", signer("alice"), config, opts());
    const r = findValidApproval(req, askVerdict(), config, opts());
    expect(r.approved).toBe(false);
    expect(r.reason).toBe("denied by bob: not during business hours");
  });

  it("with no approvers configured nothing is ever approved", async () => {
    const req = commandRequest("rm -rf dist");
    const { id } = requestApproval(req, askVerdict(), opts());
    await signDecision(id, "approve", signer("alice"), config, opts());
    const none = findValidApproval(req, askVerdict(), defaultApprovalConfig(), opts());
    expect(none).toMatchObject({ approved: false, id });
    expect(none.reason).toMatch(/no approvers/);
  });

  it("tells the agent, in relayable words, the id and that a human must approve", () => {
    const req = commandRequest("terraform apply");
    const { id, expires } = requestApproval(req, askVerdict("critical"), opts());
    const msg = approvalNeededMessage({
      id,
      request: req,
      verdict: askVerdict("critical"),
      twoPerson: true,
      expires,
    });
    expect(msg).toContain(`warden approve ${id}`);
    expect(msg).toMatch(/two different approvers/);
    expect(msg).toMatch(/retry exactly the same request/);
    expect(approvalNeededMessage({ id, request: req, verdict: askVerdict() })).toContain(`warden deny ${id}`);
  });
});
