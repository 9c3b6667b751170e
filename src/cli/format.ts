// Human-readable rendering of verdicts for the terminal. Colour only on a TTY and never with NO_COLOR.
import type { Finding, Risk, Verdict } from "../types.ts";

export interface Style {
  color: boolean;
}

export function terminalStyle(stream: NodeJS.WriteStream): Style {
  return { color: Boolean(stream.isTTY) && !("NO_COLOR" in process.env) && process.env.TERM !== "dumb" };
}

const RISK_COLOR: Record<Risk, string> = { low: "32", medium: "33", high: "31", critical: "1;31" };
const DECISION_COLOR = { allow: "32", ask: "33", deny: "1;31" } as const;

function paint(style: Style, code: string, text: string): string {
  return style.color ? `\x1b[${code}m${text}\x1b[0m` : text;
}

/** The source line with the finding's span underlined (or highlighted when colour is on). */
function highlight(style: Style, source: string, span: [number, number]): string[] {
  const [start, end] = span;
  const lineStart = source.lastIndexOf("\n", start - 1) + 1;
  const nl = source.indexOf("\n", start);
  const lineEnd = nl === -1 ? source.length : nl;
  const line = source.slice(lineStart, lineEnd);
  const from = start - lineStart;
  const to = Math.max(from + 1, Math.min(end, lineEnd) - lineStart);
  if (style.color) {
    return [`${line.slice(0, from)}\x1b[4;1m${line.slice(from, to)}\x1b[0m${line.slice(to)}`];
  }
  return [line, `${" ".repeat(from)}${"^".repeat(Math.max(1, to - from))}`];
}

export function findingSpan(
  finding: Finding,
  spans: readonly [number, number][],
): [number, number] | undefined {
  if (finding.span) return finding.span;
  if (finding.invocation !== undefined) return spans[finding.invocation];
  return undefined;
}

export function formatVerdict(
  style: Style,
  source: string,
  verdict: Verdict,
  spans: readonly [number, number][],
): string {
  const out: string[] = [];
  const decision = paint(style, DECISION_COLOR[verdict.decision], verdict.decision.toUpperCase());
  const risk = paint(style, RISK_COLOR[verdict.risk], verdict.risk);
  out.push(
    `${decision}  risk ${risk}${verdict.forbidden ? "  (forbidden)" : ""}${verdict.yolo ? "  (YOLO)" : ""}`,
  );
  const shown = verdict.findings.filter((f) => f.risk !== "low" || verdict.risk === "low");
  for (const f of shown) {
    out.push(`  ${paint(style, RISK_COLOR[f.risk], f.risk.padEnd(8))} ${f.reason}  [${f.rule}]`);
    const span = findingSpan(f, spans);
    if (span && source.length > 0)
      for (const line of highlight(style, source, span)) out.push(`           ${line}`);
  }
  for (const d of verdict.diagnostics) out.push(`  diagnostic: ${d}`);
  for (const r of verdict.reasons) out.push(`  why: ${r}`);
  return `${out.join("\n")}\n`;
}
