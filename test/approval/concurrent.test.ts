import { type ChildProcess, spawn } from "node:child_process";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { defaultApprovalConfig, requestApproval, signDecision, unlockKey } from "../../src/approval/index.ts";
import { askVerdict, commandRequest, makeKey, type TestEnv, testEnv } from "./helpers.ts";

const CHILD = new URL("./race-child.ts", import.meta.url).pathname;
const RACERS = 8;

let t: TestEnv;
beforeEach(() => {
  t = testEnv();
});
afterEach(() => t.cleanup());

interface Racer {
  child: ChildProcess;
  ready: Promise<void>;
  result: Promise<string>;
}

function racer(args: string[]): Racer {
  const child = spawn(process.execPath, ["--import", "tsx", CHILD, ...args], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  let out = "";
  let readyResolve: () => void;
  const ready = new Promise<void>((r) => {
    readyResolve = r;
  });
  const result = new Promise<string>((resolve) => {
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      if (out.startsWith("ready\n")) readyResolve();
    });
    child.on("close", () => resolve(out.slice("ready\n".length).trim()));
  });
  return { child, ready, result };
}

async function race(args: string[]): Promise<string[]> {
  const racers = Array.from({ length: RACERS }, () => racer(args));
  await Promise.all(racers.map((r) => r.ready));
  for (const r of racers) r.child.stdin!.write("go\n");
  return Promise.all(racers.map((r) => r.result));
}

describe("concurrency across real processes", () => {
  it("concurrent retries of one approved request: exactly one wins", async () => {
    const alice = makeKey(t, "alice");
    const config = { ...defaultApprovalConfig(), approvers: { alice } };
    const req = commandRequest("kubectl delete namespace staging");
    const verdict = askVerdict("high");
    const { id } = requestApproval(req, verdict, { env: t.env });
    await signDecision(id, "approve", unlockKey("alice", "pass-alice-123", t.env), config, { env: t.env });
    const results = await race([
      "consume",
      t.env.WARDEN_STATE_DIR!,
      JSON.stringify(req),
      JSON.stringify(config),
      JSON.stringify(verdict),
    ]);
    expect(results.filter((r) => r.startsWith("approved"))).toHaveLength(1);
    const refused = results.filter((r) => r.startsWith("refused"));
    expect(refused).toHaveLength(RACERS - 1);
    for (const r of refused) expect(r).toMatch(/already used/);
  });

  it("concurrent two-person approvals: exactly one retry wins", async () => {
    const config = {
      ...defaultApprovalConfig(),
      approvers: { alice: makeKey(t, "alice"), bob: makeKey(t, "bob") },
    };
    const req = commandRequest("terraform destroy -auto-approve");
    const verdict = askVerdict("critical");
    const { id } = requestApproval(req, verdict, { env: t.env });
    await signDecision(id, "approve", unlockKey("alice", "pass-alice-123", t.env), config, { env: t.env });
    await signDecision(id, "approve", unlockKey("bob", "pass-bob-123", t.env), config, { env: t.env });
    const results = await race([
      "consume",
      t.env.WARDEN_STATE_DIR!,
      JSON.stringify(req),
      JSON.stringify(config),
      JSON.stringify(verdict),
    ]);
    expect(results.filter((r) => r.startsWith("approved"))).toHaveLength(1);
  });

  it("concurrent requests for the same command file one pending request", async () => {
    const req = commandRequest("helm rollback api 3");
    const verdict = askVerdict("high");
    const results = await race([
      "request",
      t.env.WARDEN_STATE_DIR!,
      JSON.stringify(req),
      "{}",
      JSON.stringify(verdict),
    ]);
    const ids = new Set(results.map((r) => r.split(" ")[0]));
    expect(ids.size).toBe(1);
    expect(results.filter((r) => r.endsWith(" false"))).toHaveLength(1);
  });
});
