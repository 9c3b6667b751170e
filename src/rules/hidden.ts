// Code hidden in data: the shell stage notes constructs whose effect is only known at run time (a shell
// reading a pipe, `source`, `trap`, variables that name programs); this turns those notes into findings.
import type { Analysis, Finding, Note, Risk } from "../types.ts";

/** Pager/editor values that run nothing but a plain viewer. */
const HARMLESS_PROGRAM_VALUES = /^(cat|less|more|less -[A-Za-z]+|most|true|)$/;

function envProgram(note: Note): { risk: Risk; reason: string } {
  const m = /([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(note.detail);
  const name = m?.[1] ?? note.detail;
  const value = (m?.[2] ?? "").replace(/^(['"])(.*)\1$/s, "$2");
  if (
    m &&
    /^(GIT_)?PAGER$|^MANPAGER$|^SYSTEMD_PAGER$|^AWS_PAGER$/.test(name) &&
    HARMLESS_PROGRAM_VALUES.test(value)
  )
    return { risk: "low", reason: `${name} is set to a plain viewer` };
  return { risk: "high", reason: `sets ${name}, which makes programs load or run other code` };
}

function sourced(detail: string): { risk: Risk; reason: string } {
  const file = detail.trim();
  if (/[$`]/.test(file) || file === "")
    return { risk: "high", reason: `runs shell code from a file only known at run time (\`${file}\`)` };
  if (file.startsWith("/") || file.startsWith("~") || file.startsWith("..")) {
    // Activating a virtualenv or nvm is everyday work; other files outside the project are not.
    if (/(^|\/)(bin\/activate|nvm\.sh|\.cargo\/env|\.sdkman\/bin\/sdkman-init\.sh)$/.test(file))
      return { risk: "medium", reason: `runs the shell set-up script ${file}` };
    return { risk: "high", reason: `runs shell code from ${file}, outside the project` };
  }
  return { risk: "medium", reason: `runs shell code from ${file} in the current shell` };
}

function programOf(analysis: Analysis, note: Note): string | null | undefined {
  return note.invocation !== undefined ? analysis.invocations[note.invocation]?.program : undefined;
}

export function classifyNotes(analysis: Analysis): Finding[] {
  const out: Finding[] = [];
  for (const note of analysis.notes) {
    const at = note.invocation !== undefined ? { invocation: note.invocation } : {};
    const push = (risk: Risk, rule: string, reason: string) =>
      out.push({ risk, rule, reason, ...at, span: note.span });
    switch (note.kind) {
      case "shell-reads-stdin":
        push(
          "critical",
          "hidden.shell-reads-stdin",
          `a shell runs whatever arrives on the pipe (${note.detail || "piped code"}), code nobody has seen`,
        );
        break;
      case "source": {
        // The interpreters pack judges `source FILE` / `. FILE` invocations itself, with the cwd at hand.
        const inv = note.invocation !== undefined ? analysis.invocations[note.invocation] : undefined;
        if (inv && (inv.program === "source" || inv.program === ".")) break;
        const s = sourced(note.detail);
        push(s.risk, "hidden.source", s.reason);
        break;
      }
      case "trap":
        if (programOf(analysis, note) === "trap") break; // the dev pack judges the invocation
        push("medium", "hidden.trap", `sets a trap that runs code later (${note.detail})`);
        break;
      case "alias":
        if (programOf(analysis, note) === "alias") break; // the dev pack judges the invocation
        push(
          "medium",
          "hidden.alias",
          `defines an alias that changes what a command name runs (${note.detail})`,
        );
        break;
      case "function-called":
        push(
          "low",
          "hidden.function-called",
          `calls the shell function ${note.detail} (its body is checked separately)`,
        );
        break;
      case "env-program": {
        const e = envProgram(note);
        push(e.risk, "hidden.env-program", e.reason);
        break;
      }
      case "dynamic-payload":
        push("high", "hidden.dynamic-payload", `runs code only known at run time (${note.detail})`);
        break;
      case "dynamic-command": {
        const inv = note.invocation !== undefined ? analysis.invocations[note.invocation] : undefined;
        // index.ts already reports invocations whose program is unknown.
        if (inv && inv.program === null) break;
        push("high", "hidden.dynamic-command", `the command name is only known at run time (${note.detail})`);
        break;
      }
      case "function-defined":
        break;
      default:
        push(
          "high",
          "hidden.unknown-note",
          `an unrecognised construct may hide code (${(note as Note).detail})`,
        );
    }
  }
  return out;
}
