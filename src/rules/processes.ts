// Attaching to a process that is already running (a debugger, a tracer, a core dump) sees everything it
// holds: tokens in memory, data it reads and writes, and a debugger can make it run code. Tracing or
// debugging a program the command starts itself (`strace ls`, `gdb ./a.out`) is judged by the dev pack as
// before; this pack only adds the attach cases. Reading /proc/PID/mem and /proc/PID/environ is a secret read
// (secrets pack).
import type { Finding, Invocation, Risk } from "../types.ts";
import type { RulePack } from "./pack.ts";
import { finding } from "./util.ts";

/** The value of `-p PID`, `-pPID`, `--pid PID`, `--pid=PID` (and the other spellings in `names`). */
function pidOption(
  words: readonly string[],
  shorts: readonly string[],
  longs: readonly string[],
): string | null {
  for (let i = 0; i < words.length; i++) {
    const a = words[i]!;
    if (a === "--") break;
    for (const l of longs) {
      if (a === l) return words[i + 1] ?? "";
      if (a.startsWith(`${l}=`)) return a.slice(l.length + 1);
    }
    for (const s of shorts) {
      if (a === s) return words[i + 1] ?? "";
      if (a.startsWith(s) && a.length > s.length && !a.startsWith("--") && /^\d/.test(a.slice(s.length)))
        return a.slice(s.length);
    }
    // Bundled short flags ending in the pid letter (`strace -fp 123`).
    for (const s of shorts)
      if (s.length === 2 && /^-[a-zA-Z]+$/.test(a) && a.endsWith(s[1]!) && a.length > 2)
        return words[i + 1] ?? "";
  }
  return null;
}

function attach(program: string, pid: string, how: string, index: number, risk: Risk = "high"): Finding {
  const target = pid === "" ? "a running process" : `running process ${pid}`;
  return finding(risk, "processes.attach", `\`${program}\` ${how.replace("%s", target)}`, index);
}

/** Programs the dev pack already judges; for the others this pack is the only one, so it must say something. */
const JUDGED_ELSEWHERE = new Set(["strace", "ltrace", "gdb", "lldb", "perf"]);

function classifyProcesses(inv: Invocation, index: number): Finding[] {
  const found = attaches(inv, index);
  if (found.length > 0 || JUDGED_ELSEWHERE.has(inv.program!)) return found;
  return [
    finding("medium", "processes.debug-tool", `\`${inv.program}\` debugs or instruments programs`, index),
  ];
}

function attaches(inv: Invocation, index: number): Finding[] {
  const program = inv.program!;
  const a = inv.argv.slice(1).map((w) => w.value);
  switch (program) {
    case "strace":
    case "ltrace": {
      const pid = pidOption(a, ["-p"], ["--attach"]);
      return pid === null
        ? []
        : [
            attach(
              program,
              pid,
              "attaches to %s and sees everything it reads and writes, secrets included",
              index,
            ),
          ];
    }
    case "gdb":
    case "cgdb":
    case "gdbserver": {
      let pid = pidOption(a, ["-p", "--p"], ["--pid", "-pid", "--attach"]);
      // `gdb PROGRAM PID`: a second operand that is a number attaches to that process.
      const operands = a.filter((x) => !x.startsWith("-"));
      if (pid === null && program === "gdb" && operands.length >= 2 && /^\d+$/.test(operands[1]!))
        pid = operands[1]!;
      const ex = a.findIndex(
        (x, i) => /^attach\s+\d+/.test(x) && /^(-ex|--ex|-eval-command|--eval-command)$/.test(a[i - 1] ?? ""),
      );
      if (pid === null && ex !== -1) pid = a[ex]!.replace(/^attach\s+/, "");
      if (pid === null && a.some((x) => /^--?(eval-command|ex)=attach\s/.test(x))) pid = "";
      return pid === null
        ? []
        : [
            attach(
              program,
              pid,
              "attaches a debugger to %s: it can read the process's memory and make it run code",
              index,
            ),
          ];
    }
    case "lldb": {
      const pid = pidOption(a, ["-p"], ["--attach-pid"]) ?? pidOption(a, ["-n"], ["--attach-name"]);
      return pid === null
        ? []
        : [
            attach(
              program,
              pid,
              "attaches a debugger to %s: it can read the process's memory and make it run code",
              index,
            ),
          ];
    }
    case "gcore":
      return [
        attach(
          program,
          a.filter((x) => /^\d+$/.test(x)).join(" "),
          "dumps the whole memory of %s to a file",
          index,
        ),
      ];
    case "perf": {
      const sub = a.find((x) => !x.startsWith("-"));
      const pid = pidOption(a, ["-p"], ["--pid", "--tid"]) ?? pidOption(a, ["-t"], []);
      if (pid === null) return [];
      if (sub === "trace")
        return [
          attach("perf trace", pid, "attaches to %s and shows its system calls with their data", index),
        ];
      if (sub === "record")
        return [attach("perf record", pid, "samples %s, copying parts of its stack memory", index, "medium")];
      return [];
    }
    case "bpftrace":
    case "dtrace": {
      const pid = pidOption(a, ["-p"], []);
      return pid === null ? [] : [attach(program, pid, "instruments %s and can read its memory", index)];
    }
    case "py-spy":
    case "rbspy": {
      const pid = pidOption(a, ["-p"], ["--pid"]);
      if (pid === null) return [];
      return a.includes("--locals") || a.includes("-l")
        ? [attach(program, pid, "prints the local variables of %s, whatever values they hold", index)]
        : [attach(program, pid, "reads the stacks of %s", index, "medium")];
    }
    case "pstack":
    case "gstack":
    case "eu-stack":
      return [
        attach(
          program,
          a.filter((x) => /^\d+$/.test(x)).join(" "),
          "reads the stacks of %s",
          index,
          "medium",
        ),
      ];
    case "criu":
      return a[0] === "dump" || a.includes("dump")
        ? [
            attach(
              program,
              pidOption(a, ["-t"], ["--tree"]) ?? "",
              "checkpoints %s to disk, its memory included",
              index,
            ),
          ]
        : [];
    default:
      return [];
  }
}

export const processesPack: RulePack = {
  name: "processes",
  programs: [
    "strace",
    "ltrace",
    "gdb",
    "cgdb",
    "gdbserver",
    "lldb",
    "gcore",
    "perf",
    "bpftrace",
    "dtrace",
    "py-spy",
    "rbspy",
    "pstack",
    "gstack",
    "eu-stack",
    "criu",
  ],
  classify: (inv, _ctx, index) => classifyProcesses(inv, index),
};
