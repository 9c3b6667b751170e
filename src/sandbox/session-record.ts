// Which `warden run` session a process is in, proven by the kernel rather than claimed by an environment
// variable. `warden run` files a record in the state dir (which nothing inside the session can write, and a
// hook-confined command cannot either) naming what only the session's processes share:
//   - bwrap: the session's pid namespace (its inode, as /proc/self/ns/pid shows it inside);
//   - Landlock: the agent's process (pid and start time): every process of the session descends from it and
//     none can leave its Landlock domain, while a process outside cannot have it as an ancestor.
// `warden exec` inside a session (a hook's rewritten command) cannot build its own bwrap sandbox there (no
// nested user namespaces, no mounts under Landlock): when this check passes it runs the command within the
// session's boundary instead, recorded as such; when it fails it refuses as before.
import { mkdirSync, readFileSync, readlinkSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { stateDir } from "../state.ts";

export const SESSION_ENV = "WARDEN_SESSION";
const ID = /^[0-9a-f-]{36}$/;

export interface SessionRecord {
  id: string;
  mechanism: "bwrap" | "landlock";
  /** bwrap: the pid namespace inode. */
  pidns?: number;
  /** Landlock: the agent's pid and its start time (clock ticks after boot, /proc/PID/stat field 22). */
  pid?: number;
  start?: number;
  /** Warden's own pid (the session's recorder). */
  recorder: number;
  started: string;
}

export function sessionsDir(env: NodeJS.ProcessEnv): string {
  return join(stateDir(env), "run-sessions");
}

export function writeSessionRecord(record: SessionRecord, env: NodeJS.ProcessEnv): string {
  const dir = sessionsDir(env);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = join(dir, `${record.id}.json`);
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(record)}\n`, { mode: 0o600 });
  renameSync(tmp, file);
  return file;
}

export function removeSessionRecord(id: string, env: NodeJS.ProcessEnv): void {
  rmSync(join(sessionsDir(env), `${id}.json`), { force: true });
}

/** Fields of /proc/PID/stat after the command name: [state, ppid, …]; null when gone. */
function statFields(pid: number | "self"): string[] | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    return text.slice(text.lastIndexOf(")") + 2).split(" ");
  } catch {
    return null;
  }
}

/** A process's start time in clock ticks (field 22 of /proc/PID/stat). */
export function startTime(pid: number): number | null {
  const f = statFields(pid);
  return f ? Number(f[19]) : null;
}

function pidNamespace(): number | null {
  try {
    const m = /^pid:\[(\d+)\]$/.exec(readlinkSync("/proc/self/ns/pid"));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/** The session this process is verifiably inside, or null (no claim, no record, or the proof fails). */
export function currentSession(env: NodeJS.ProcessEnv = process.env): SessionRecord | null {
  const id = env[SESSION_ENV];
  if (id === undefined || !ID.test(id)) return null;
  let record: SessionRecord;
  try {
    record = JSON.parse(readFileSync(join(sessionsDir(env), `${id}.json`), "utf8")) as SessionRecord;
  } catch {
    return null;
  }
  if (record.id !== id) return null;
  if (record.mechanism === "bwrap")
    return record.pidns !== undefined && pidNamespace() === record.pidns ? record : null;
  if (record.mechanism === "landlock" && record.pid !== undefined && record.start !== undefined) {
    // This process or one up its parent chain must be the agent's (pid and start time both match).
    let fields = statFields("self");
    if (process.pid === record.pid) return fields && Number(fields[19]) === record.start ? record : null;
    for (let hops = 0; fields !== null && hops < 4096; hops++) {
      const ppid = Number(fields[1]);
      if (!(ppid > 0)) return null;
      fields = statFields(ppid);
      if (fields === null) return null;
      if (ppid === record.pid) return Number(fields[19]) === record.start ? record : null;
    }
  }
  return null;
}
