// The CLI and the unlock agent as real processes: keys on disk, a real Unix socket, real signals.
import { chmodSync, existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  agentSocketPath,
  approvalsDir,
  findValidApproval,
  loadApprovalConfig,
  requestApproval,
  resolveSigner,
  signDecision,
} from "../../src/approval/index.ts";
import {
  askVerdict,
  cli,
  commandRequest,
  makeKey,
  type TestEnv,
  testEnv,
  writeApprovers,
} from "./helpers.ts";

let t: TestEnv;
const agents: number[] = [];

beforeEach(() => {
  t = testEnv();
});
afterEach(() => {
  for (const pid of agents.splice(0)) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {}
  }
  t.cleanup();
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitUntil(cond: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function unlock(
  name: string,
  extra: string[] = [],
): Promise<{ pid: number; reused: boolean; expires: number }> {
  const r = await cli(t, ["unlock", "--name", name, "--json", ...extra], {
    WARDEN_PASSPHRASE_FILE: t.passFile(`pass-${name}-123`, `p-${name}`),
  });
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  const info = JSON.parse(r.stdout) as { pid: number; reused: boolean; expires: number };
  agents.push(info.pid);
  return info;
}

/** alice and bob with keys in the policy, and one pending request. */
async function setup(risk: "high" | "critical" = "high") {
  writeApprovers(t, { alice: makeKey(t, "alice"), bob: makeKey(t, "bob") });
  const req = commandRequest("terraform apply -target=module.db");
  const verdict = askVerdict(risk);
  const { id } = requestApproval(req, verdict, { env: t.env });
  const config = await loadApprovalConfig(t.env);
  return { req, verdict, id, config };
}

function tokensFor(id: string): string[] {
  const dir = join(approvalsDir(t.env), "tokens", id);
  return existsSync(dir) ? readdirSync(dir).filter((n) => n.endsWith(".json")) : [];
}

describe("warden keys", () => {
  it("init creates an encrypted 0600 key with strong defaults, show prints it, init again is refused", async () => {
    const pass = t.passFile("a long enough passphrase");
    const r = await cli(t, ["keys", "init", "--name", "carol", "--json"], { WARDEN_PASSPHRASE_FILE: pass });
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.kdf.N).toBeGreaterThanOrEqual(2 ** 17);
    expect(statSync(out.file).mode & 0o777).toBe(0o600);
    const human = await cli(t, ["keys", "init", "--name", "dave"], { WARDEN_PASSPHRASE_FILE: pass });
    expect(human.stdout).toMatch(/approvers:\n {2}dave: [A-Za-z0-9+/]{43}=/);
    const show = await cli(t, ["keys", "show", "--name", "carol", "--json"]);
    expect(JSON.parse(show.stdout)).toMatchObject({
      name: "carol",
      publicKey: out.publicKey,
      unlocked: false,
    });
    const again = await cli(t, ["keys", "init", "--name", "carol"], { WARDEN_PASSPHRASE_FILE: pass });
    expect(again.status).toBe(3);
    expect(again.stderr).toMatch(/already exists/);
  });

  it("refuses a passphrase file others can read, and has no terminal to fall back to", async () => {
    const loose = t.passFile("a long enough passphrase");
    chmodSync(loose, 0o644);
    const r = await cli(t, ["keys", "init", "--name", "erin"], { WARDEN_PASSPHRASE_FILE: loose });
    expect(r.status).toBe(3);
    expect(r.stderr).toMatch(/readable by other users/);
    const none = await cli(t, ["keys", "init", "--name", "erin"]);
    expect(none.status).toBe(3);
    expect(none.stderr).toMatch(/no terminal/);
    expect(existsSync(join(t.env.WARDEN_STATE_DIR!, "keys", "approver-erin.key"))).toBe(false);
  });

  it("rotate: a wrong passphrase changes nothing; the right one prints the new public key", async () => {
    const oldPub = makeKey(t, "alice");
    const file = join(t.env.WARDEN_STATE_DIR!, "keys", "approver-alice.key");
    const before = readFileSync(file, "utf8");
    const wrong = await cli(t, ["keys", "rotate", "--name", "alice"], {
      WARDEN_PASSPHRASE_FILE: t.passFile("not the passphrase"),
    });
    expect(wrong.status).toBe(3);
    expect(wrong.stderr).toMatch(/wrong passphrase for key 'alice'/);
    expect(readFileSync(file, "utf8")).toBe(before);
    const ok = await cli(t, ["keys", "rotate", "--name", "alice", "--json"], {
      WARDEN_PASSPHRASE_FILE: t.passFile("pass-alice-123", "old"),
      WARDEN_NEW_PASSPHRASE_FILE: t.passFile("a brand new passphrase", "new"),
    });
    expect(ok.stderr).toBe("");
    const out = JSON.parse(ok.stdout);
    expect(out.previous.publicKey).toBe(oldPub);
    expect(out.current.publicKey).not.toBe(oldPub);
  });
});

describe("warden pending / approve / deny with the unlock agent", () => {
  it("a locked key cannot approve: the ask stays a denial", async () => {
    const { req, verdict, id, config } = await setup();
    const r = await cli(t, ["approve", id, "--name", "alice"]);
    expect(r.status).toBe(3);
    expect(r.stderr).toMatch(/key 'alice' is locked: run `warden unlock`/);
    expect(tokensFor(id)).toEqual([]);
    expect(findValidApproval(req, verdict, config, { env: t.env }).approved).toBe(false);
  });

  it("a wrong passphrase starts no agent and leaves no socket", async () => {
    await setup();
    const r = await cli(t, ["unlock", "--name", "alice"], {
      WARDEN_PASSPHRASE_FILE: t.passFile("wrong passphrase"),
    });
    expect(r.status).toBe(3);
    expect(r.stderr).toMatch(/wrong passphrase/);
    expect(existsSync(agentSocketPath("alice", t.env))).toBe(false);
  });

  it("unlock → pending → approve through the agent → the retry runs once; lock ends the agent", async () => {
    const { req, verdict, id, config } = await setup();
    const agent = await unlock("alice");
    expect(alive(agent.pid)).toBe(true);
    const sock = agentSocketPath("alice", t.env);
    expect(statSync(sock).isSocket()).toBe(true);
    expect(statSync(sock).mode & 0o777).toBe(0o600);
    expect(statSync(join(sock, "..")).mode & 0o777).toBe(0o700);
    expect((await unlock("alice")).pid).toBe(agent.pid);

    const pending = await cli(t, ["pending", "--json"]);
    const list = JSON.parse(pending.stdout);
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({
      id,
      risk: "high",
      command: req.command,
      cwd: "/srv/app",
      approvals: 0,
      needed: 1,
    });
    expect(list[0].findings[0].reason).toBe("a test finding");
    expect((await cli(t, ["pending"])).stdout).toContain(`warden approve ${id}`);

    const approve = await cli(t, [
      "approve",
      id,
      "--name",
      "alice",
      "--for",
      "10m",
      "--reason",
      "looks right",
    ]);
    expect(approve.stderr).toBe("");
    expect(approve.stdout).toMatch(/Approved .* for one run/);
    const result = findValidApproval(req, verdict, config, { env: t.env });
    expect(result).toMatchObject({ approved: true, approvers: ["alice"] });
    expect(result.tokens[0]!.exp - result.tokens[0]!.iat).toBe(10 * 60_000);
    expect(findValidApproval(req, verdict, config, { env: t.env }).approved).toBe(false);

    const audit = readdirSync(join(t.env.WARDEN_STATE_DIR!, "audit"))
      .filter((n) => n.endsWith(".jsonl"))
      .map((n) => readFileSync(join(t.env.WARDEN_STATE_DIR!, "audit", n), "utf8"))
      .join("");
    expect(audit).toMatch(/"type":"approval"/);
    expect(audit).toContain(id);

    const lock = await cli(t, ["lock"]);
    expect(lock.stdout).toMatch(/Locked 1 key/);
    await waitUntil(() => !alive(agent.pid));
    expect(existsSync(sock)).toBe(false);
  });

  it("the agent signs approval decisions only, not arbitrary data", async () => {
    await setup();
    await unlock("alice");
    const answer = await new Promise<string>((resolve, reject) => {
      const s = connect(agentSocketPath("alice", t.env));
      let buf = "";
      s.on("data", (d) => {
        buf += d.toString();
        if (buf.includes("\n")) {
          s.destroy();
          resolve(buf);
        }
      });
      s.on("error", reject);
      s.write(`${JSON.stringify({ op: "sign", data: Buffer.from("checkpoint 42").toString("base64") })}\n`);
    });
    expect(JSON.parse(answer)).toMatchObject({ ok: false, error: "the agent signs approval decisions only" });
  });

  it("the agent exits after its idle time", async () => {
    await setup();
    const agent = await unlock("alice", ["--idle", "1s"]);
    await waitUntil(() => !alive(agent.pid));
    expect(existsSync(agentSocketPath("alice", t.env))).toBe(false);
  });

  it("the agent dying mid-approval leaves no token; a new unlock recovers", async () => {
    const { req, verdict, id, config } = await setup();
    const agent = await unlock("alice");
    process.kill(agent.pid, "SIGSTOP");
    const approving = cli(t, ["approve", id, "--name", "alice"]);
    // Give the client time to connect and send its request to the frozen agent, then kill the agent.
    await new Promise((r) => setTimeout(r, 1500));
    process.kill(agent.pid, "SIGKILL");
    const r = await approving;
    expect(r.status).toBe(3);
    expect(r.stderr).toMatch(/unlock agent (went away|did not answer)|cannot reach the unlock agent/);
    expect(tokensFor(id)).toEqual([]);
    expect(findValidApproval(req, verdict, config, { env: t.env, peek: true }).approved).toBe(false);
    // The dead agent's socket is stale: approving now says locked, and unlocking again works.
    const locked = await cli(t, ["approve", id, "--name", "alice"]);
    expect(locked.stderr).toMatch(/is locked/);
    await unlock("alice");
    const again = await cli(t, ["approve", id, "--name", "alice"]);
    expect(again.status).toBe(0);
    expect(findValidApproval(req, verdict, config, { env: t.env }).approved).toBe(true);
  });

  it("the agent dying while it is asked to sign: the decision fails and nothing is stored", async () => {
    const { id, config } = await setup();
    const agent = await unlock("alice");
    const signer = await resolveSigner("alice", t.env);
    expect(signer.via).toBe("agent");
    process.kill(agent.pid, "SIGSTOP");
    const signing = signDecision(id, "approve", signer, config, { env: t.env });
    await new Promise((r) => setTimeout(r, 300));
    process.kill(agent.pid, "SIGKILL");
    await expect(signing).rejects.toThrow(/unlock agent went away|cannot reach the unlock agent/);
    expect(tokensFor(id)).toEqual([]);
  });

  it("two-person through the CLI, and deny with a reason", async () => {
    const { req, verdict, id, config } = await setup("critical");
    await unlock("alice");
    await unlock("bob");
    const first = await cli(t, ["approve", id, "--name", "alice"]);
    expect(first.stdout).toMatch(/1 of 2 approvals/);
    const twice = await cli(t, ["approve", id, "--name", "alice"]);
    expect(twice.status).toBe(0);
    expect(findValidApproval(req, verdict, config, { env: t.env }).approved).toBe(false);
    const noReason = await cli(t, ["deny", id, "--name", "bob"]);
    expect(noReason.status).toBe(3);
    const deny = await cli(t, ["deny", id, "--name", "bob", "--reason", "wrong workspace"]);
    expect(deny.status).toBe(0);
    const r = findValidApproval(req, verdict, config, { env: t.env });
    expect(r.approved).toBe(false);
    expect(r.reason).toBe("denied by bob: wrong workspace");
    const listed = JSON.parse((await cli(t, ["pending", "--json"])).stdout);
    expect(listed[0]).toMatchObject({ id, denied: true, needed: 2 });
  });

  it("a key that is not in the policy cannot approve", async () => {
    const { id } = await setup();
    makeKey(t, "mallory");
    const r = await cli(t, ["approve", id, "--name", "mallory"], {
      WARDEN_PASSPHRASE_FILE: t.passFile("pass-mallory-123"),
    });
    expect(r.status).toBe(3);
    expect(r.stderr).toMatch(/not in the policy's approvers list/);
    expect(tokensFor(id)).toEqual([]);
  });
});
