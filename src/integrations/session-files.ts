// Read-before-delete: per agent session, the files the agent has read, created or written. Deleting or
// overwriting an existing file the session has never looked at is how agents destroy work they did not know
// was there, so it raises the decision to `ask` with a reason that says so.
import { createHash } from "node:crypto";
import {
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { join, resolve } from "node:path";
import { stateDir } from "../state.ts";
import type { Analysis, Finding, Invocation, Word } from "../types.ts";

/** Paths remembered per session; the oldest are forgotten first. */
export const MAX_TRACKED_PATHS = 4000;
/** A session whose file has not changed for this long is over. */
export const SESSION_TTL_MS = 24 * 60 * 60 * 1000;

export interface SessionKey {
  agent: string;
  session: string;
}

interface SessionFile {
  v: 1;
  agent: string;
  updated: number;
  paths: string[];
}

function sessionsDir(env: NodeJS.ProcessEnv): string {
  return join(stateDir(env), "sessions");
}

function sessionPath(key: SessionKey, env: NodeJS.ProcessEnv): string {
  const id = createHash("sha256").update(`${key.agent}\0${key.session}`).digest("hex").slice(0, 32);
  return join(sessionsDir(env), `${id}.json`);
}

function load(file: string, now: number): SessionFile | undefined {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
  try {
    const data = JSON.parse(text) as SessionFile;
    if (data.v !== 1 || !Array.isArray(data.paths) || typeof data.updated !== "number") return undefined;
    if (now - data.updated > SESSION_TTL_MS) return undefined;
    return data;
  } catch {
    // A torn or foreign file means "nothing known": the safe direction (more asks, never fewer).
    return undefined;
  }
}

export class SessionFiles {
  private readonly file: string;

  constructor(
    private readonly key: SessionKey,
    private readonly env: NodeJS.ProcessEnv = process.env,
    private readonly now: () => number = Date.now,
  ) {
    this.file = sessionPath(key, env);
  }

  known(): Set<string> {
    return new Set(load(this.file, this.now())?.paths ?? []);
  }

  /** Remembers paths as read, created or written by the agent in this session. */
  remember(paths: Iterable<string>): void {
    const add = [...paths];
    if (add.length === 0) return;
    const now = this.now();
    const existing = load(this.file, now);
    if (!existing) pruneExpired(this.env, now);
    const list = (existing?.paths ?? []).filter((p) => !add.includes(p));
    list.push(...add);
    const data: SessionFile = {
      v: 1,
      agent: this.key.agent,
      updated: now,
      paths: list.slice(-MAX_TRACKED_PATHS),
    };
    mkdirSync(sessionsDir(this.env), { recursive: true, mode: 0o700 });
    // Hooks run in parallel; write-then-rename keeps every reader from seeing half a file.
    const tmp = `${this.file}.${process.pid}.${now}.tmp`;
    writeFileSync(tmp, JSON.stringify(data), { mode: 0o600 });
    renameSync(tmp, this.file);
  }

  end(): void {
    try {
      unlinkSync(this.file);
    } catch {
      // already gone
    }
  }
}

function pruneExpired(env: NodeJS.ProcessEnv, now: number): void {
  const dir = sessionsDir(env);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const file = join(dir, name);
    try {
      if (now - statSync(file).mtimeMs > SESSION_TTL_MS) unlinkSync(file);
    } catch {
      // raced with another pruner
    }
  }
}

/** What a command does to files, as far as its literal words tell. */
export interface PathEffects {
  /** Existing content would be destroyed: rm, mv/cp over, `>` truncation, tee, truncate, dd of=. */
  destroys: string[];
  /** Content the agent sees or puts there itself: reads, and every path it writes. */
  touches: string[];
}

const DELETERS = new Set(["rm", "unlink", "shred", "srm"]);
const COPIERS = new Set(["mv", "cp", "install", "ln"]);
const READERS = new Set([
  "cat",
  "tac",
  "less",
  "more",
  "head",
  "tail",
  "bat",
  "nl",
  "wc",
  "diff",
  "cmp",
  "sort",
  "uniq",
  "jq",
  "yq",
  "grep",
  "egrep",
  "fgrep",
  "rg",
  "awk",
  "sed",
  "cut",
  "od",
  "xxd",
  "hexdump",
  "strings",
  "file",
  "stat",
  "vi",
  "vim",
  "nvim",
  "nano",
  "emacs",
  "code",
  "source",
  ".",
  "md5sum",
  "sha1sum",
  "sha256sum",
  "git",
]);

function literal(word: Word | undefined): string | undefined {
  return word && !word.dynamic ? word.value : undefined;
}

function operands(inv: Invocation): string[] {
  const out: string[] = [];
  let options = true;
  for (const word of inv.argv.slice(1)) {
    const value = literal(word);
    if (value === undefined) continue;
    if (options && value === "--") {
      options = false;
      continue;
    }
    if (options && value.startsWith("-") && value !== "-") continue;
    out.push(value);
  }
  return out;
}

/**
 * TODO(policy, issue 3): the policy stage exports the path-effects extraction used by path permissions;
 * switch to it when it lands so one reading of a command's file effects serves both.
 */
export function pathEffects(analysis: Analysis, cwd: string): PathEffects {
  const destroys: string[] = [];
  const touches: string[] = [];
  const abs = (p: string) => resolve(cwd, p);
  for (const inv of analysis.invocations) {
    for (const r of inv.redirects) {
      const target = literal(r.target);
      if (target === undefined || target.startsWith("/dev/") || /^&?\d*$/.test(target)) continue;
      if (/^\d*(>|>\||&>)$/.test(r.op)) destroys.push(abs(target));
      touches.push(abs(target));
    }
    const program = inv.program;
    if (program === null) continue;
    const args = operands(inv);
    if (DELETERS.has(program)) destroys.push(...args.map(abs));
    else if (COPIERS.has(program) && args.length >= 2) {
      const dest = abs(args[args.length - 1]!);
      destroys.push(dest);
      touches.push(dest, ...args.slice(0, -1).map(abs));
    } else if (program === "tee" || program === "truncate") {
      const append = inv.argv.some((w) => /^-(a|-append)$/.test(w.value));
      if (!append) destroys.push(...args.map(abs));
      touches.push(...args.map(abs));
    } else if (program === "dd") {
      for (const w of inv.argv)
        if (!w.dynamic && w.value.startsWith("of=")) destroys.push(abs(w.value.slice(3)));
    } else if (program === "touch" || READERS.has(program)) touches.push(...args.map(abs));
  }
  return { destroys, touches };
}

function isRegularFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** Existing regular files among `targets` that the session has neither read nor created. */
export function unseenTargets(targets: string[], session: SessionFiles | undefined): string[] {
  const existing = [...new Set(targets)].filter(isRegularFile);
  if (existing.length === 0) return [];
  const known = session?.known() ?? new Set<string>();
  return existing.filter((p) => !known.has(p));
}

export function unseenFinding(paths: string[], verb: "delete" | "overwrite"): Finding {
  const list =
    paths
      .slice(0, 3)
      .map((p) => `\`${p}\``)
      .join(", ") + (paths.length > 3 ? ` and ${paths.length - 3} more` : "");
  return {
    risk: "medium",
    rule: "session.unseen-file",
    reason: `would ${verb} ${list}, which exists and which this agent session has neither read nor created`,
    paths,
  };
}
