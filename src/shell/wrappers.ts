// Wrappers: programs that run another command given in their arguments (`sudo`, `env`, `timeout`, `xargs`,
// `find -exec`, `docker exec`, …). `unwrap` says what they run: an argv to analyse as its own invocation, or a
// string of shell code to re-parse. The wrapper invocation itself is kept by the caller.

import type { Assignment } from "../types.ts";
import { type OptionSpec, scanOptions } from "./options.ts";
import {
  evalPayload,
  SHELLS,
  shellMode,
  sshPayload,
  suPayload,
  trapAction,
  watchCommand,
} from "./payloads.ts";
import { dynamicCopy, type RWord, syntheticWord } from "./words.ts";

export type Inner =
  /** Runs `words` as a command (with extra environment). `stdin: "detached"` when the child does not share stdin. */
  | {
      readonly kind: "argv";
      readonly label: string;
      readonly words: RWord[];
      readonly assignments: Assignment[];
      readonly clearEnv: boolean;
      readonly stdin: "inherit" | "detached";
    }
  /** Runs the space-joined values of `words` as shell code. */
  | { readonly kind: "code"; readonly label: string; readonly words: RWord[] };

type Handler = (words: readonly RWord[], program: string) => Inner[];

const NONE: Inner[] = [];

function argv(label: string, words: RWord[], assignments: Assignment[] = [], clearEnv = false): Inner[] {
  if (words.length === 0) return NONE;
  return [{ kind: "argv", label, words, assignments, clearEnv, stdin: "inherit" }];
}

function code(label: string, words: RWord[]): Inner[] {
  if (words.length === 0) return NONE;
  return [{ kind: "code", label, words }];
}

function isName(s: string, end: number): boolean {
  if (end <= 0) return false;
  for (let i = 0; i < end; i++) {
    const c = s.charCodeAt(i);
    const ok = c === 95 || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (i > 0 && c >= 48 && c <= 57);
    if (!ok) return false;
  }
  return true;
}

/** `NAME=value` words at `start` (env, sudo): returns them as assignments and the index after them. */
function leadingAssignments(words: readonly RWord[], start: number, out: Assignment[]): number {
  let i = start;
  for (; i < words.length; i++) {
    const w = words[i]!.word;
    if (w.dynamic && !w.text.includes("=")) break;
    const eq = w.value.indexOf("=");
    if (eq <= 0 || !isName(w.value, eq)) break;
    out.push({
      name: w.value.slice(0, eq),
      value: {
        value: w.value.slice(eq + 1),
        dynamic: w.dynamic,
        text: w.text.slice(w.text.indexOf("=") + 1),
      },
    });
  }
  return i;
}

const set = (s: string): ReadonlySet<string> => new Set(s.split(" "));

/** A wrapper of the shape `prog [options] [N fixed operands] CMD…`. */
function simple(
  spec: OptionSpec,
  operands = 0,
  stops = "",
  stopLong: ReadonlySet<string> = new Set(),
): Handler {
  return (words, program) => {
    let runs = true;
    const start = scanOptions(words, 1, spec, (hit) => {
      if (hit.name.length === 1 ? stops.includes(hit.name) : stopLong.has(hit.name)) runs = false;
    });
    if (!runs) return NONE;
    return argv(program, words.slice(start + operands));
  };
}

const SUDO: OptionSpec = {
  shortArg: "CDgpRrTtUu",
  shortOptional: "h",
  longArg: set("user group chdir chroot close-from prompt role type other-user host command-timeout"),
};
const SUDO_STOP_LONG = set("edit list validate version remove-timestamp help");

function sudo(words: readonly RWord[], program: string): Inner[] {
  let runs = true;
  const start = scanOptions(words, 1, SUDO, (hit) => {
    if (
      hit.name.length === 1
        ? "elvVKh".includes(hit.name) && !(hit.name === "h" && hit.value)
        : SUDO_STOP_LONG.has(hit.name)
    )
      runs = false;
  });
  if (!runs) return NONE;
  const assignments: Assignment[] = [];
  const next = leadingAssignments(words, start, assignments);
  return argv(program, words.slice(next), assignments);
}

const ENV: OptionSpec = {
  shortArg: "uCSP",
  longArg: set("unset chdir split-string default-signal ignore-signal block-signal"),
};

/** `env -S 'a b'` splits its argument like a tiny shell (quotes, backslashes, `${VAR}`); not a full re-parse. */
export function splitEnvString(w: RWord, value: string): RWord[] {
  const out: RWord[] = [];
  let cur = "";
  let has = false;
  let dynamic = w.word.dynamic;
  let quote = 0;
  const flush = (): void => {
    if (has) out.push({ ...syntheticWord(cur, dynamic, w), word: { value: cur, dynamic, text: cur } });
    cur = "";
    has = false;
    dynamic = w.word.dynamic;
  };
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    if (quote === 39) {
      if (c === "'") quote = 0;
      else cur += c;
      continue;
    }
    if (c === "\\" && i + 1 < value.length) {
      const n = value[++i]!;
      cur += n === "n" ? "\n" : n === "t" ? "\t" : n === "_" ? " " : n;
      has = true;
      continue;
    }
    if (quote === 34) {
      if (c === '"') quote = 0;
      else if (c === "$") {
        dynamic = true;
        cur += c;
      } else cur += c;
      continue;
    }
    if (c === "'" || c === '"') {
      quote = c.charCodeAt(0);
      has = true;
    } else if (c === " " || c === "\t" || c === "\n") flush();
    else if (c === "#" && !has) break;
    else {
      if (c === "$") dynamic = true;
      cur += c;
      has = true;
    }
  }
  flush();
  return out;
}

function env(words: readonly RWord[], program: string): Inner[] {
  let list = words.slice();
  let clearEnv = false;
  let i = 1;
  // -S may appear repeatedly and its pieces are options and operands again: loop until no split happens.
  for (let guard = 0; guard < 8; guard++) {
    let split: { at: number; pieces: RWord[] } | undefined;
    const start = scanOptions(list, i, ENV, (hit) => {
      if (hit.name === "i" || hit.name === "ignore-environment") clearEnv = true;
      if (
        (hit.name === "S" || hit.name === "split-string") &&
        hit.word !== undefined &&
        split === undefined
      ) {
        split = { at: list.indexOf(hit.word), pieces: splitEnvString(hit.word, hit.value ?? "") };
      }
    });
    if (split === undefined) {
      i = start;
      break;
    }
    list = [...list.slice(0, split.at + 1), ...split.pieces, ...list.slice(split.at + 1)];
    i = split.at + 1;
  }
  if (list[i]?.word.value === "-" && !list[i]!.word.dynamic) {
    clearEnv = true;
    i++;
  }
  const assignments: Assignment[] = [];
  const next = leadingAssignments(list, i, assignments);
  return argv(program, list.slice(next), assignments, clearEnv);
}

const XARGS: OptionSpec = {
  shortArg: "adEILnPsJRS",
  shortOptional: "eil",
  longArg: set("arg-file delimiter max-args max-procs max-chars process-slot-var"),
};

/** `xargs [opts] [CMD…]`: CMD (default `echo`) with the arguments read from stdin appended, or put in place of
 * the `-I` replace string. */
function xargs(words: readonly RWord[]): Inner[] {
  let replace: string | undefined;
  const start = scanOptions(words, 1, XARGS, (hit) => {
    if (hit.name === "I" || hit.name === "J") replace = hit.value;
    else if (hit.name === "i" || hit.name === "replace") replace = hit.value ?? "{}";
  });
  const first = words[start] ?? words[words.length - 1]!;
  const inner = start < words.length ? words.slice(start) : [syntheticWord("echo", false, first)];
  if (replace !== undefined && replace !== "") {
    for (let k = 0; k < inner.length; k++) {
      if (inner[k]!.word.value.includes(replace)) {
        inner[k] = dynamicCopy(inner[k]!);
      }
    }
  }
  // With -I the input replaces the placeholder (and nothing is appended, even when CMD does not use it).
  if (replace === undefined) inner.push(syntheticWord("", true, inner[inner.length - 1]!));
  return [
    { kind: "argv", label: "xargs", words: inner, assignments: [], clearEnv: false, stdin: "detached" },
  ];
}

const FIND_EXEC = set("-exec -execdir -ok -okdir");

/** `find … -exec CMD … ;|+`: every clause runs CMD with `{}` replaced by a found path. */
function find(words: readonly RWord[]): Inner[] {
  const out: Inner[] = [];
  for (let i = 1; i < words.length; i++) {
    const w = words[i]!.word;
    if (w.dynamic || !FIND_EXEC.has(w.value)) continue;
    const label = `find ${w.value}`;
    const inner: RWord[] = [];
    let j = i + 1;
    for (; j < words.length; j++) {
      const v = words[j]!.word;
      if (
        !v.dynamic &&
        (v.value === ";" || (v.value === "+" && j > i + 1 && words[j - 1]!.word.value === "{}"))
      )
        break;
      inner.push(v.value.includes("{}") ? dynamicCopy(words[j]!) : words[j]!);
    }
    if (inner.length > 0)
      out.push({ kind: "argv", label, words: inner, assignments: [], clearEnv: false, stdin: "inherit" });
    i = j;
  }
  return out;
}

/** `fd PATTERN -x CMD…` / `-X CMD…`: CMD runs per match (or once per batch) with the path as `{}` or appended. */
function fd(words: readonly RWord[]): Inner[] {
  for (let i = 1; i < words.length; i++) {
    const v = words[i]!.word.value;
    if (v !== "-x" && v !== "--exec" && v !== "-X" && v !== "--exec-batch") continue;
    const inner: RWord[] = [];
    let placed = false;
    for (let j = i + 1; j < words.length && words[j]!.word.value !== ";"; j++) {
      const w = words[j]!;
      if (/\{[/.]*\}|\{\/\/\}/.test(w.word.value)) {
        inner.push(dynamicCopy(w));
        placed = true;
      } else inner.push(w);
    }
    if (inner.length === 0) return NONE;
    if (!placed) inner.push(syntheticWord("", true, inner[inner.length - 1]!));
    return argv("fd -x", inner);
  }
  return NONE;
}

const SHELL_META = /[\s;&|<>()$`\\"'*?[\]{}~#]/;

const PARALLEL: OptionSpec = {
  shortArg: "jSaCdEINnPLlsX",
  longArg: set(
    "jobs sshlogin arg-file colsep delimiter eof max-args max-replace-args timeout results joblog workdir tmpdir env retries memfree load delay max-line-length-allowed",
  ),
};

/** `parallel [opts] CMD… ::: args`: GNU parallel runs CMD through a shell with `{}` or the argument appended. */
function parallel(words: readonly RWord[]): Inner[] {
  const start = scanOptions(words, 1, PARALLEL);
  let end = start;
  while (end < words.length && !words[end]!.word.value.startsWith(":::") && words[end]!.word.value !== "::::")
    end++;
  const cmd = words.slice(start, end);
  if (cmd.length === 0) return NONE;
  if (cmd.some((w) => w.word.dynamic || SHELL_META.test(w.word.value.replace(/\{[^}]*\}/g, "")))) {
    return code("parallel", cmd);
  }
  const inner = cmd.map((w) => (w.word.value.includes("{") ? dynamicCopy(w) : w));
  if (!cmd.some((w) => w.word.value.includes("{"))) inner.push(syntheticWord("", true, cmd[cmd.length - 1]!));
  return [
    { kind: "argv", label: "parallel", words: inner, assignments: [], clearEnv: false, stdin: "detached" },
  ];
}

const FLOCK: OptionSpec = { shortArg: "wE", longArg: set("timeout wait conflict-exit-code") };

/** `flock [opts] FILE CMD…` (exec'd) or `flock [opts] FILE -c STR` (via sh -c); `flock FD` locks only. */
function flock(words: readonly RWord[], program: string): Inner[] {
  const file = scanOptions(words, 1, FLOCK);
  const next = words[file + 1];
  if (next === undefined) return NONE;
  if (!next.word.dynamic && (next.word.value === "-c" || next.word.value === "--command")) {
    const payload = words[file + 2];
    return payload === undefined ? NONE : code("flock -c", [payload]);
  }
  return argv(program, words.slice(file + 1));
}

function su(words: readonly RWord[], program: string): Inner[] {
  const payload = suPayload(words);
  if (payload !== undefined) return code(`${program} -c`, [payload]);
  if (program !== "runuser") return NONE;
  // `runuser -u USER [--] CMD…`: the first operand after the options starts the command.
  let user = false;
  const start = scanOptions(
    words,
    1,
    { shortArg: "ugGsw", longArg: set("user group supp-group shell") },
    (hit) => {
      if (hit.name === "u" || hit.name === "user") user = true;
    },
  );
  return user ? argv(program, words.slice(start)) : NONE;
}

function ssh(words: readonly RWord[]): Inner[] {
  return code("ssh", sshPayload(words));
}

function watch(words: readonly RWord[]): Inner[] {
  const { exec, words: cmd } = watchCommand(words);
  return exec ? argv("watch", cmd) : code("watch", cmd);
}

function evalHandler(words: readonly RWord[]): Inner[] {
  return code("eval", evalPayload(words));
}

function trap(words: readonly RWord[]): Inner[] {
  const action = trapAction(words);
  return action === undefined ? NONE : code("trap", [action]);
}

function shell(words: readonly RWord[], program: string): Inner[] {
  const mode = shellMode(words);
  return mode.kind === "command" ? code(`${program} -c`, [mode.code]) : NONE;
}

/** `kubectl exec … -- CMD…` (also `oc`): everything after the first `--`. */
function kubectl(words: readonly RWord[], program: string): Inner[] {
  let sub: string | undefined;
  for (let i = 1; i < words.length; i++) {
    const v = words[i]!.word.value;
    if (v === "--") return sub === "exec" ? argv(`${program} exec`, words.slice(i + 1)) : NONE;
    if (sub === undefined && !v.startsWith("-") && (v === "exec" || v === "debug" || v === "attach")) sub = v;
  }
  return NONE;
}

const DOCKER_GLOBAL: OptionSpec = {
  shortArg: "Hcl",
  longArg: set("host context config log-level tlscacert tlscert tlskey"),
};
const DOCKER_EXEC: OptionSpec = {
  shortArg: "euw",
  longArg: set("env env-file user workdir detach-keys"),
};

/** `docker|podman exec [opts] CONTAINER CMD…` (also `docker container exec`). `docker run` stays data. */
function docker(words: readonly RWord[], program: string): Inner[] {
  let i = scanOptions(words, 1, DOCKER_GLOBAL);
  if (words[i]?.word.value === "container") i++;
  if (words[i]?.word.value !== "exec") return NONE;
  const container = scanOptions(words, i + 1, DOCKER_EXEC);
  return argv(`${program} exec`, words.slice(container + 1));
}

function busybox(words: readonly RWord[]): Inner[] {
  const first = words[1];
  if (first === undefined || first.word.value.startsWith("-")) return NONE;
  return argv("busybox", words.slice(1));
}

function command(words: readonly RWord[], program: string): Inner[] {
  let lookup = false;
  const start = scanOptions(words, 1, {}, (hit) => {
    if (hit.name === "v" || hit.name === "V") lookup = true;
  });
  return lookup ? NONE : argv(program, words.slice(start));
}

/** Options of `op run` / `doppler run` that take the next word as their value. */
const SECRET_RUN_VALUES = set(
  "--env-file --environment --account --config -c --project -p --token --scope --mount --mount-format --mount-template --fallback --name-transformer --forward-signals",
);

/** `op run [opts] -- CMD`, `doppler run [opts] [--] CMD`, `doppler run --command 'code'`: CMD runs with secrets. */
function secretRun(words: readonly RWord[], program: string): Inner[] {
  if (words[1]?.word.value !== "run") return NONE;
  const label = `${program} run`;
  for (let i = 2; i < words.length; i++) {
    const v = words[i]!.word.value;
    if (v === "--") return argv(label, words.slice(i + 1));
    if (program === "doppler" && (v === "--command" || v.startsWith("--command=")))
      return v === "--command"
        ? code(label, words.slice(i + 1, i + 2))
        : code(label, [syntheticWord(v.slice("--command=".length), words[i]!.word.dynamic, words[i]!)]);
    if (!v.startsWith("-") || words[i]!.word.dynamic)
      return program === "doppler" ? argv(label, words.slice(i)) : NONE;
    if (!v.includes("=") && SECRET_RUN_VALUES.has(v)) i++;
  }
  return NONE;
}

const HANDLERS = new Map<string, Handler>([
  ["sudo", sudo],
  ["doas", simple({ shortArg: "uC" }, 0, "C")],
  ["pkexec", simple({ longArg: set("user") })],
  ["env", env],
  ["timeout", simple({ shortArg: "sk", longArg: set("signal kill-after") }, 1)],
  ["nice", simple({ shortArg: "n", longArg: set("adjustment") })],
  [
    "ionice",
    simple(
      { shortArg: "cnpPu", longArg: set("class classdata pid pgid uid") },
      0,
      "pPu",
      set("pid pgid uid"),
    ),
  ],
  ["nohup", simple({})],
  ["time", simple({ shortArg: "fo", longArg: set("format output") })],
  ["stdbuf", simple({ shortArg: "ioe", longArg: set("input output error") })],
  ["setsid", simple({})],
  ["chroot", simple({ longArg: set("userspec groups") }, 1)],
  ["command", command],
  ["builtin", (words) => argv("builtin", words.slice(1))],
  ["exec", simple({ shortArg: "a" })],
  ["flock", flock],
  ["watch", watch],
  ["strace", simple({ shortArg: "abeEIoOpPsSuUX" })],
  ["ltrace", simple({ shortArg: "aAeDFlnopsuwx" })],
  ["unbuffer", simple({})],
  ["caffeinate", simple({ shortArg: "tw" })],
  ["taskset", simple({}, 1, "p", set("pid"))],
  ["chrt", simple({ shortArg: "TPD" }, 1, "p", set("pid"))],
  ["nsenter", simple({ shortArg: "tSG", shortOptional: "mutinpUCTrw" })],
  ["unshare", simple({ shortArg: "SGRw" })],
  ["xargs", xargs],
  ["find", find],
  ["fd", fd],
  ["fdfind", fd],
  ["parallel", parallel],
  ["su", su],
  ["runuser", su],
  ["ssh", ssh],
  ["eval", evalHandler],
  ["trap", trap],
  ["kubectl", kubectl],
  ["oc", kubectl],
  ["docker", docker],
  ["podman", docker],
  ["nerdctl", docker],
  ["busybox", busybox],
  ["op", secretRun],
  ["doppler", secretRun],
]);

/** What `program` (with its full argv `words`) runs in turn; empty when it is not a wrapper or runs nothing. */
export function unwrap(program: string, words: readonly RWord[]): Inner[] {
  const handler = HANDLERS.get(program);
  if (handler !== undefined) return handler(words, program);
  if (SHELLS.has(program)) return shell(words, program);
  return NONE;
}

/** Used by tests and docs: the wrapper names this module understands. */
export function wrapperNames(): string[] {
  return [...HANDLERS.keys(), ...SHELLS];
}
