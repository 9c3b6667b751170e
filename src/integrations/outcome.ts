// After a tool ran: what came of it goes to the audit log, and the files it read or wrote become known to
// the session (so the agent may later overwrite what it has seen or made).
import { createHash } from "node:crypto";
import { resolve } from "node:path";
import { analyze } from "../shell/index.ts";
import { type PipelineOptions, record } from "./pipeline.ts";
import { pathEffects, SessionFiles } from "./session-files.ts";

/** How much of a tool's output is kept in the log, after redaction. */
export const OUTPUT_HEAD_CHARS = 512;

export interface ToolOutcome {
  agent: string;
  session?: string;
  tool: string;
  status: "ok" | "error" | "interrupted";
  exitCode?: number;
  output: string;
  /** Files the tool read or wrote, absolute. */
  touched: string[];
}

export function recordOutcome(
  o: ToolOutcome,
  env: NodeJS.ProcessEnv = process.env,
  options?: PipelineOptions,
): void {
  const bytes = Buffer.byteLength(o.output, "utf8");
  record(
    {
      type: "outcome",
      agent: o.agent,
      session: o.session,
      tool: o.tool,
      outcome: {
        status: o.status,
        exitCode: o.exitCode,
        outputBytes: bytes,
        outputSha256: createHash("sha256").update(o.output).digest("hex"),
        head: o.output.slice(0, OUTPUT_HEAD_CHARS),
        files: o.touched.length > 0 ? o.touched : undefined,
      },
    },
    options,
  );
  if (o.status !== "error") rememberTouched(o, env);
}

/** The files a tool read or wrote become known to the session (so the agent may later overwrite them). */
export function rememberTouched(
  o: Pick<ToolOutcome, "agent" | "session" | "touched">,
  env: NodeJS.ProcessEnv = process.env,
): void {
  if (o.session && o.touched.length > 0)
    new SessionFiles({ agent: o.agent, session: o.session }, env).remember(o.touched);
}

/** Files a shell command read or wrote, as far as its literal words tell. */
export function commandTouches(command: string, cwd: string): string[] {
  const effects = pathEffects(analyze(command), cwd);
  return [...new Set([...effects.touches, ...effects.destroys])];
}

export function absolute(path: string, cwd: string): string {
  return resolve(cwd, path);
}

/** A tool's response as text, whatever shape the agent gave it. */
export function responseText(response: unknown): string {
  if (response === undefined || response === null) return "";
  if (typeof response === "string") return response;
  if (typeof response === "object") {
    const r = response as Record<string, unknown>;
    if (typeof r.stdout === "string" || typeof r.stderr === "string") {
      return [r.stdout, r.stderr].filter((s): s is string => typeof s === "string" && s !== "").join("\n");
    }
  }
  return JSON.stringify(response);
}
