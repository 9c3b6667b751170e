// The agents' own permission formats (Codex `.rules`, Gemini policy TOML, Claude `permissions`) match
// command prefixes and paths; Warden's policy is richer. The exporters therefore ask the real pipeline
// about a fixed set of well-known prefixes and secret paths and write down what it answered. The hooks
// stay the authority; an export is a second line for when a hook is not installed or fails.
import { homedir } from "node:os";
import { join } from "node:path";
import type { Decision } from "../types.ts";
import { decisiveFindings } from "./messages.ts";
import { blockedPrograms, evaluateRequest, type PipelineOptions } from "./pipeline.ts";

/** Prefixes whose risk does not depend on the rest of the command line. */
export const PROBE_PREFIXES: readonly string[][] = [
  ["git", "push", "--force"],
  ["git", "push", "-f"],
  ["git", "reset", "--hard"],
  ["git", "clean", "-fd"],
  ["git", "clean", "-fdx"],
  ["git", "checkout", "--", "."],
  ["git", "branch", "-D"],
  ["git", "filter-branch"],
  ["rm", "-rf"],
  ["rm", "-fr"],
  ["sudo"],
  ["doas"],
  ["su"],
  ["chmod", "-R", "777"],
  ["mkfs"],
  ["dd"],
  ["shred"],
  ["crontab", "-r"],
  ["docker", "system", "prune"],
  ["docker", "run", "--privileged"],
  ["kubectl", "delete"],
  ["helm", "uninstall"],
  ["terraform", "destroy"],
  ["terraform", "apply", "-auto-approve"],
  ["pulumi", "destroy"],
  ["aws", "s3", "rm"],
  ["gcloud", "projects", "delete"],
  ["npm", "publish"],
  ["shutdown"],
  ["reboot"],
];

/** Secret files, as the agent's file tools would name them (relative to the project or home). */
export const PROBE_SECRET_PATHS: readonly { pattern: string; under: "project" | "home" }[] = [
  { pattern: ".env", under: "project" },
  { pattern: ".env.local", under: "project" },
  { pattern: ".env.production", under: "project" },
  { pattern: ".ssh/id_rsa", under: "home" },
  { pattern: ".ssh/id_ed25519", under: "home" },
  { pattern: ".aws/credentials", under: "home" },
  { pattern: ".config/gcloud/credentials.db", under: "home" },
  { pattern: ".kube/config", under: "home" },
];

export interface ProbedPrefix {
  prefix: string[];
  decision: Decision;
  reason: string;
  /** A program the policy forbids outright (not a probe result). */
  blocked?: boolean;
}

export interface ProbedPath {
  pattern: string;
  under: "project" | "home";
  decision: Decision;
  reason: string;
}

export interface Probes {
  prefixes: ProbedPrefix[];
  paths: ProbedPath[];
}

/** What Warden cannot say in a prefix/path rule language, listed in every export. */
export const NOT_EXPRESSIBLE: readonly string[] = [
  "flags in any order or spelling (`rm -r -f`, `git push origin +main`): prefix rules match one spelling",
  "wrappers and nesting (`sudo`, `env`, `bash -c`, `xargs`, `find -exec`, `$(…)`): only the outer command is matched",
  "targets: paths, branches, namespaces, production contexts, SQL text",
  "path permissions and secret files reached through the shell (`cat .env`, `cp ~/.ssh/id_rsa .`)",
  "read-before-delete: overwriting or deleting a file the session has not read",
  'dynamic command names (`$CMD`, `"$(which rm)"`): Warden fails closed, prefix rules cannot',
];

function reasonOf(verdict: ReturnType<typeof evaluateRequest>["verdict"]): string {
  const f = decisiveFindings(verdict)[0];
  return f ? `${f.reason} (rule ${f.rule})` : `risk ${verdict.risk}`;
}

export function probePolicy(options: PipelineOptions = {}, cwd = process.cwd(), home = homedir()): Probes {
  const env = { HOME: home };
  const prefixes: ProbedPrefix[] = blockedPrograms(options).map((program) => ({
    prefix: [program],
    decision: "deny" as const,
    reason: `\`${program}\` is blocked by the Warden policy`,
    blocked: true,
  }));
  for (const prefix of PROBE_PREFIXES) {
    const { verdict } = evaluateRequest({ kind: "command", command: prefix.join(" "), cwd, env }, options);
    if (verdict.decision !== "allow")
      prefixes.push({ prefix: [...prefix], decision: verdict.decision, reason: reasonOf(verdict) });
  }
  const paths: ProbedPath[] = [];
  for (const p of PROBE_SECRET_PATHS) {
    const path = join(p.under === "home" ? home : cwd, p.pattern);
    const { verdict } = evaluateRequest({ kind: "file", op: "read", path, cwd, env, tool: "Read" }, options);
    if (verdict.decision !== "allow")
      paths.push({ ...p, decision: verdict.decision, reason: reasonOf(verdict) });
  }
  return { prefixes, paths };
}
