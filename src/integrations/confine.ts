// Hook-mode confinement: a shell command a hook allows runs inside Warden's sandbox instead of in the agent's
// own shell. The hook answers `allow` with the command rewritten to `warden exec --ticket=ID -c '<original>'`
// (the agent's shell runs that; exec redeems the ticket, runs the original under bubblewrap and records its
// start and end). And a command that will run confined without network is judged with that in mind: its
// medium risk (code Warden cannot see: unknown tools, untracked scripts, package scripts) is contained by the
// sandbox, so the policy's `sandbox.confined_decisions.medium` (default allow) applies instead of a prompt.
import { existsSync } from "node:fs";
import { basename } from "node:path";
import type { EffectivePolicy } from "../policy/compile.ts";
import { findOnPath } from "../sandbox/probe.ts";
import { issueTicket } from "../sandbox/ticket.ts";
import type { Analysis, Invocation, Request, Verdict } from "../types.ts";

/** How an allowed command can run confined; null when it runs as it is (and why, for the record). */
export interface ConfinementPlan {
  /** The run needs the host network (package installs, fetches, pushes, API clients). */
  net: boolean;
}

/** Builtins that change only the agent's own shell (its cwd, variables): confining them would lose the change. */
const SHELL_STATE = new Set([
  "cd",
  "pushd",
  "popd",
  "export",
  "unset",
  "alias",
  "unalias",
  "set",
  "shopt",
  "true",
  ":",
]);

/** Programs whose whole job reaches the network: their run gets it (and their medium risk keeps its prompt). */
const NETWORK_PROGRAMS = new Set([
  "npm",
  "pnpm",
  "yarn",
  "bun",
  "npx",
  "bunx",
  "pip",
  "pip3",
  "pipx",
  "uv",
  "uvx",
  "poetry",
  "pdm",
  "conda",
  "cargo",
  "go",
  "gem",
  "bundle",
  "composer",
  "mvn",
  "gradle",
  "brew",
  "apt",
  "apt-get",
  "gh",
  "glab",
  "curl",
  "wget",
  "http",
  "ssh",
  "scp",
  "sftp",
  "rsync",
  "nc",
  "ncat",
  "telnet",
  "ping",
  "dig",
  "nslookup",
  "docker",
  "podman",
  "kubectl",
  "helm",
  "aws",
  "gcloud",
  "gsutil",
  "az",
  "terraform",
  "tofu",
  "pulumi",
  "vercel",
  "netlify",
  "fly",
  "heroku",
  "psql",
  "mysql",
  "mongosh",
  "redis-cli",
  "claude",
  "gemini",
  "codex",
]);
const GIT_NETWORK = new Set(["fetch", "pull", "push", "clone", "ls-remote", "submodule", "remote"]);

function needsNetwork(inv: Invocation): boolean {
  const program = inv.program;
  if (program === null) return false;
  if (NETWORK_PROGRAMS.has(program)) return true;
  if (program === "git") return inv.argv.slice(1).some((w) => GIT_NETWORK.has(w.value));
  return false;
}

/** Whether `request` (already evaluated) can run confined here, and with what. */
export function confinementPlan(
  request: Request,
  analysis: Analysis | undefined,
  policy: EffectivePolicy,
  env: NodeJS.ProcessEnv,
): ConfinementPlan | null {
  if (policy.sandbox.hooks !== "confine" || request.kind !== "command" || !analysis) return null;
  if (
    analysis.invocations.length === 0 ||
    analysis.invocations.every((i) => SHELL_STATE.has(i.program ?? ""))
  )
    return null;
  // The full capability probe costs a bwrap spawn; the hook only checks that bubblewrap is installed, and
  // `warden exec` refuses (exit 125, with the reason) where it cannot build the sandbox.
  if (findOnPath("bwrap", env.PATH ?? "") === null) return null;
  return { net: policy.sandbox.network || analysis.invocations.some(needsNetwork) };
}

/**
 * Findings whose medium risk is code Warden cannot see into (an unknown tool, an untracked script, a script
 * outside the workspace): the sandbox contains what such code can do. A medium finding about what the command
 * itself does (`rm -rf src/`, a push, a discard) stays asked: the workspace is writable inside, so
 * confinement changes nothing about it.
 */
const OPAQUE_CODE = /^(unknown|interpreters|workspace|home-program)\./;

/**
 * The verdict for a command that will run confined: a medium-risk `ask` that only stands for opaque code
 * becomes the policy's confined decision when the run has no network. High and critical risk, forbidden
 * commands, the command's own medium-risk actions and anything that needs the network keep their decisions.
 */
export function confinedVerdict(
  verdict: Verdict,
  plan: ConfinementPlan | null,
  policy: EffectivePolicy,
): Verdict {
  if (
    plan === null ||
    plan.net ||
    verdict.forbidden ||
    verdict.decision !== "ask" ||
    verdict.risk !== "medium"
  )
    return verdict;
  if (policy.sandbox.confinedMedium !== "allow") return verdict;
  if (!verdict.findings.every((f) => f.risk === "low" || OPAQUE_CODE.test(f.rule))) return verdict;
  // An ask from the policy's own stage (a path permission, a secret read) is not a finding's risk: it stays.
  if (verdict.reasons.some((r) => /not permitted by|reads secret|only known at run time/.test(r)))
    return verdict;
  return {
    ...verdict,
    decision: "allow",
    reasons: [
      ...verdict.reasons,
      "medium risk, runs confined (sandbox: workspace-only writes, no network, secrets hidden): allowed",
    ],
  };
}

/** `'…'` for a POSIX shell: the one quoting with no special characters inside. */
export function shQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** How to start this very Warden from a shell: WARDEN_BIN, or this Node and the CLI script. */
export function wardenInvocation(env: NodeJS.ProcessEnv): string[] {
  if (env.WARDEN_BIN?.startsWith("/")) return [env.WARDEN_BIN];
  const script = process.argv[1];
  if (script && /^warden(\.js)?$/.test(basename(script))) return [process.execPath, script];
  for (const rel of ["../warden.js", "../../dist/warden.js"]) {
    const candidate = new URL(rel, import.meta.url).pathname;
    if (existsSync(candidate)) return [process.execPath, candidate];
  }
  throw new Error("cannot find the warden CLI to confine the command (set WARDEN_BIN)");
}

/** Files the ticket and returns the command the agent's shell runs instead of `request.command`. */
export function confinedCommand(
  request: Extract<Request, { kind: "command" }>,
  verdict: Verdict,
  plan: ConfinementPlan,
  facts: { agent: string; why: string; env: NodeJS.ProcessEnv; decided: "allow" | "ask" },
): string {
  const ticket = issueTicket(
    {
      command: request.command,
      cwd: request.cwd,
      policy: verdict.policy,
      risk: verdict.risk,
      decision: facts.decided,
      agent: facts.agent,
      why: facts.why,
      net: plan.net,
    },
    { env: facts.env },
  );
  return [
    ...wardenInvocation(facts.env).map(shQuote),
    "exec",
    // `=`: an id may start with "-" (base64url), which the option parser would take for another flag.
    `--ticket=${ticket}`,
    "-c",
    shQuote(request.command),
  ].join(" ");
}
