// `warden verify`: the policy's acceptance commands through the real pipeline and the sandbox.
// `must_fail` passes when Warden denies the command, or lets it run and it fails in the sandbox;
// `must_succeed` passes when Warden allows it and it exits 0 in the sandbox. An `ask` passes neither:
// nobody is there to answer, and a must_fail command that a human could approve is not blocked.
// Commands never run outside the sandbox here: a must_fail command that slipped through must not do harm.
import type { Decision } from "../types.ts";
import { decisiveFindings } from "./messages.ts";
import {
  type AcceptanceChecks,
  evaluateRequest,
  type PipelineOptions,
  preparePipeline,
  runCommand,
} from "./pipeline.ts";

export interface VerifyRow {
  expect: "fail" | "succeed";
  command: string;
  decision: Decision;
  ran: boolean;
  exitCode?: number | null;
  pass: boolean;
  note: string;
}

export async function verifyAcceptance(
  checks: AcceptanceChecks,
  opts: { cwd: string; env: Record<string, string>; options: PipelineOptions; timeoutMs: number },
): Promise<VerifyRow[]> {
  const rows: VerifyRow[] = [];
  const options = await preparePipeline(opts.options, { cwd: opts.cwd, env: opts.env });
  const cases = [
    ...checks.mustFail.map((command) => ({ command, expect: "fail" as const })),
    ...checks.mustSucceed.map((command) => ({ command, expect: "succeed" as const })),
  ];
  for (const { command, expect } of cases) {
    const request = { kind: "command" as const, command, cwd: opts.cwd, env: opts.env };
    const { verdict } = evaluateRequest(request, options);
    const rule = decisiveFindings(verdict)[0]?.rule ?? "";
    const row: VerifyRow = { expect, command, decision: verdict.decision, ran: false, pass: false, note: "" };
    if (verdict.decision === "deny") {
      row.pass = expect === "fail";
      row.note = `denied (${rule})`;
    } else if (verdict.decision === "ask") {
      row.note = `needs approval (${rule}): ${expect === "fail" ? "a human could let it run" : "cannot run unattended"}`;
    } else {
      try {
        const result = await runCommand(
          request,
          { sandbox: "on", timeoutMs: opts.timeoutMs, maxOutputBytes: 4096 },
          options,
        );
        row.ran = true;
        row.exitCode = result.exitCode;
        const failed = result.exitCode !== 0;
        row.pass = expect === "fail" ? failed : !failed;
        row.note = result.timedOut ? "timed out" : `exit ${result.exitCode ?? result.signal}`;
      } catch (err) {
        row.note = `allowed, but not run: ${(err as Error).message}`;
      }
    }
    rows.push(row);
  }
  return rows;
}

export function formatTable(rows: VerifyRow[]): string {
  const head = ["result", "expect", "decision", "command", "detail"];
  const body = rows.map((r) => [r.pass ? "PASS" : "FAIL", `must ${r.expect}`, r.decision, r.command, r.note]);
  const widths = head.map((h, i) => Math.min(60, Math.max(h.length, ...body.map((b) => b[i]!.length))));
  const line = (cells: string[]) =>
    cells
      .map((c, i) =>
        i === cells.length - 1
          ? c
          : c.length > widths[i]!
            ? `${c.slice(0, widths[i]! - 1)}…`
            : c.padEnd(widths[i]!),
      )
      .join("  ");
  const passed = rows.filter((r) => r.pass).length;
  return `${[line(head), ...body.map(line)].join("\n")}\n${passed} passed, ${rows.length - passed} failed\n`;
}
