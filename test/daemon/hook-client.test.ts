// dist/hook.js, the tiny hook client: through the daemon it answers as the in-process hook does; with no
// daemon it falls back to deciding in-process, unless the policy (or WARDEN_DAEMON) says the daemon is
// required — then it blocks. It bundles nothing but node builtins.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { handleClaudeHook } from "../../src/integrations/claude-code.ts";
import { unconfined } from "../integrations/helpers.ts";
import { daemonEnv, HOOK, runWithInput, startInProcess } from "./helpers.ts";

function runHook(args: string[], input: string, env: NodeJS.ProcessEnv) {
  return runWithInput(process.execPath, [HOOK, ...args], input, { env });
}

const payload = (cwd: string, command: string) =>
  JSON.stringify({
    session_id: "s-h",
    cwd,
    permission_mode: "default",
    hook_event_name: "PreToolUse",
    tool_name: "Bash",
    tool_input: { command },
  });

beforeAll(() => {
  if (!existsSync(HOOK)) throw new Error("dist/hook.js missing: run `npm run build` (npm test builds first)");
});

describe("dist/hook.js", () => {
  it("bundles only node builtins: no zod, yaml, native addon or shared chunk", () => {
    const text = readFileSync(HOOK, "utf8");
    const imports = [...text.matchAll(/from"([^"]+)"/g)].map((m) => m[1]);
    expect(
      imports.every((i) => i!.startsWith("node:")),
      imports.join(", "),
    ).toBe(true);
    expect(text).not.toMatch(/fs-native-extensions|zod|chunks\//);
  });

  it("through the daemon: the same answers as the in-process hook", async () => {
    // Unconfined: a confined answer carries a fresh run ticket each time.
    const { env } = await startInProcess(unconfined(daemonEnv()));
    const local = { ...env, WARDEN_STATE_DIR: join(env.HOME, "local-state") };
    for (const command of ["git status", "rm -rf ~/", "cat .env", "npm install left-pad"]) {
      const p = payload(env.HOME, command);
      const r = await runHook(["claude"], p, env);
      const mine = await handleClaudeHook(p, { env: local });
      expect(r.status, command).toBe(mine.exitCode);
      expect(r.stdout, command).toBe(mine.stdout);
    }
  });

  it("WARDEN_DAEMON=off: decides in-process although a daemon listens (it sees no request)", async () => {
    const { env, daemon } = await startInProcess(daemonEnv());
    const r = await runHook(["claude"], payload(env.HOME, "rm -rf ~/"), { ...env, WARDEN_DAEMON: "off" });
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).hookSpecificOutput.permissionDecision).toBe("deny");
    expect(daemon.metrics.text()).not.toMatch(/route="\/v1\/hook"/);
    // …and the same client without it goes to the daemon.
    await runHook(["claude"], payload(env.HOME, "rm -rf ~/"), env);
    expect(daemon.metrics.text()).toMatch(/route="\/v1\/hook"/);
  });

  it("no daemon: falls back to the in-process hook (same answer)", async () => {
    const env = daemonEnv();
    const p = payload(env.HOME, "rm -rf ~/");
    const r = await runHook(["claude"], p, env);
    const mine = await handleClaudeHook(p, { env: { ...env, WARDEN_STATE_DIR: join(env.HOME, "x") } });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(mine.stdout);
    expect(JSON.parse(r.stdout).hookSpecificOutput.permissionDecision).toBe("deny");
  });

  it("no daemon and `daemon: required` in the policy: blocked, exit 2, reason on stderr", async () => {
    const env = daemonEnv();
    mkdirSync(env.WARDEN_CONFIG_DIR, { recursive: true });
    writeFileSync(join(env.WARDEN_CONFIG_DIR, "policy.yaml"), "daemon: required\n");
    const r = await runHook(["claude"], payload(env.HOME, "git status"), env);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain("daemon: required");
    // The same policy with the daemon up: answered normally.
    await startInProcess(env);
    const ok = await runHook(["claude"], payload(env.HOME, "git status"), env);
    expect(ok.status).toBe(0);
    expect(JSON.parse(ok.stdout).hookSpecificOutput.permissionDecision).toBe("allow");
  });

  it("no daemon and WARDEN_DAEMON=required: blocked without loading the full hook", async () => {
    const env = { ...daemonEnv(), WARDEN_DAEMON: "required" };
    const r = await runHook(["claude"], payload(env.HOME, "git status"), env);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("WARDEN_DAEMON=required");
  });

  it("odd arguments go to the full hook's parser: exit 2 with its message", async () => {
    const env = daemonEnv();
    const r = await runHook(["claude", "--bogus"], payload(env.HOME, "ls"), env);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("blocked");
  });
});
