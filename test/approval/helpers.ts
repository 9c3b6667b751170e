// Shared fixtures for the approval tests: private temp state, real keys (cheap scrypt via the explicit
// test-only option), verdicts, and the real CLI as a child process.
import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { initKey, type ScryptParams } from "../../src/approval/index.ts";
import type { CommandRequest, Risk, Verdict } from "../../src/types.ts";
import { removeTree, tempDir } from "../tmp.ts";

export const TEST_SCRYPT: ScryptParams = { N: 1024, r: 8, p: 1 };
export const MAIN = new URL("../../src/cli/main.ts", import.meta.url).pathname;
export const POLICY = "a".repeat(64);

export interface TestEnv {
  root: string;
  env: NodeJS.ProcessEnv;
  /** Writes a 0600 passphrase file and returns its path. */
  passFile(text: string, name?: string): string;
  cleanup(): void;
}

export function testEnv(): TestEnv {
  // Short root: Unix socket paths are limited to ~108 bytes.
  const root = tempDir("wa-");
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("WARDEN_")) env[k] = v;
  env.WARDEN_STATE_DIR = join(root, "s");
  env.WARDEN_CONFIG_DIR = join(root, "c");
  env.USER = "agentuser";
  mkdirSync(env.WARDEN_CONFIG_DIR, { recursive: true });
  return {
    root,
    env,
    passFile(text, name = "pass") {
      const path = join(root, name);
      writeFileSync(path, `${text}\n`, { mode: 0o600 });
      return path;
    },
    cleanup: () => removeTree(root),
  };
}

/** A real key with cheap scrypt parameters; returns its raw public key. */
export function makeKey(t: TestEnv, name: string, passphrase = `pass-${name}-123`): string {
  return initKey(name, passphrase, { env: t.env, insecureTestScrypt: TEST_SCRYPT }).publicKey;
}

export function writeApprovers(
  t: TestEnv,
  approvers: Record<string, string>,
  twoPerson: Risk[] = ["critical"],
): void {
  const lines = ["approvers:", ...Object.entries(approvers).map(([n, k]) => `  ${n}: "${k}"`)];
  lines.push("approval:", `  two_person: [${twoPerson.join(", ")}]`);
  writeFileSync(join(t.env.WARDEN_CONFIG_DIR!, "approvers.yaml"), `${lines.join("\n")}\n`);
}

export function askVerdict(risk: Risk = "high", policy = POLICY): Verdict {
  return {
    decision: "ask",
    risk,
    findings: [{ risk, rule: "test.rule", reason: "a test finding" }],
    forbidden: false,
    parse: "ok",
    diagnostics: [],
    policy,
    reasons: [],
    mode: "normal",
  };
}

export function commandRequest(command: string, extra: Partial<CommandRequest> = {}): CommandRequest {
  return {
    kind: "command",
    command,
    cwd: "/srv/app",
    user: "alice",
    env: { AWS_PROFILE: "prod" },
    agent: { name: "claude" },
    ...extra,
  };
}

export function cli(
  t: TestEnv,
  args: string[],
  extraEnv: NodeJS.ProcessEnv = {},
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    // A new session has no controlling terminal: the CLI cannot fall back to prompting on /dev/tty.
    const child = spawn(process.execPath, ["--import", "tsx", MAIN, ...args], {
      env: { ...t.env, ...extraEnv },
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    child.on("close", (status) => resolve({ status, stdout, stderr }));
  });
}
