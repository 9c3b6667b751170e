// The daemon's policy layers: loaded once per set of layer files, watched, hot-reloaded. A reload that
// fails keeps the last good policy in force and is reported (on every answer and in /v1/health) until a
// good edit replaces it. A file is only ever parsed whole: its text must be the same before and after the
// read (same inode, size, mtime) and older than `settleMs`, so a writer still truncating or appending in
// place is waited out; a replace by rename is atomic anyway (the read sees the old or the new inode).
import {
  closeSync,
  type FSWatcher,
  fstatSync,
  openSync,
  readFileSync,
  type Stats,
  statSync,
  watch,
} from "node:fs";
import { basename, dirname, join } from "node:path";
import { loadPrepared, type Prepared } from "../integrations/pipeline.ts";
import { policyFiles } from "../policy/load.ts";
import { configDir } from "../state.ts";

export interface PolicyProblem {
  /** The layer files of the policy that kept its last good version. */
  files: string[];
  message: string;
  since: string;
}

interface Entry {
  key: string;
  files: string[];
  where: { cwd: string; env: NodeJS.ProcessEnv; policyFile: string | undefined };
  /** Signature (inode, size, mtime, ctime of each file) of what `prepared` was read from. */
  signature: string;
  prepared: Prepared | undefined;
  problem: PolicyProblem | undefined;
  reloading: Promise<void> | undefined;
  /** Set while a change is waiting for the reload in progress to finish. */
  again: boolean;
}

class Unsettled extends Error {}

function sig(st: Stats | undefined): string {
  return st ? `${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}` : "-";
}

function statOrUndefined(file: string): Stats | undefined {
  try {
    return statSync(file);
  } catch {
    return undefined;
  }
}

export interface PoliciesOptions {
  /** A file younger than this may still be being written (default 100 ms). */
  settleMs?: number;
  /** Told after each reload, good or bad (logging). */
  onReload?: (files: string[], problem: PolicyProblem | undefined) => void;
}

export class Policies {
  private readonly entries = new Map<string, Entry>();
  private readonly watchers = new Map<string, FSWatcher>();
  private readonly settleMs: number;
  private closed = false;

  constructor(
    private readonly daemonEnv: NodeJS.ProcessEnv,
    private readonly options: PoliciesOptions = {},
  ) {
    this.settleMs = options.settleMs ?? 100;
  }

  /** What is broken right now (each kept its last good policy). */
  problems(): PolicyProblem[] {
    return [...this.entries.values()].flatMap((e) => (e.problem ? [e.problem] : []));
  }

  loaded(): number {
    return [...this.entries.values()].filter((e) => e.prepared).length;
  }

  /**
   * The policy for a request (the pipeline's `preparer`). Which files apply is decided per request (a new
   * `.warden/policy.yaml` counts at once); their content comes from the cache, re-read in the background
   * when a file changed. Throws when no good version of these files was ever loaded: fail closed.
   */
  async prepare(where: {
    cwd: string;
    env: NodeJS.ProcessEnv;
    policyFile: string | undefined;
  }): Promise<Prepared> {
    const found = policyFiles({ cwd: where.cwd, env: this.daemonEnv, policyFile: where.policyFile });
    const files = [found.user, found.repo, found.file, this.approversFile()].filter(
      (f): f is string => f !== undefined,
    );
    const key = JSON.stringify([found.user, found.repo, found.file]);
    let entry = this.entries.get(key);
    if (!entry) {
      entry = {
        key,
        files,
        where: { cwd: where.cwd, env: this.daemonEnv, policyFile: where.policyFile },
        signature: "",
        prepared: undefined,
        problem: undefined,
        reloading: undefined,
        again: false,
      };
      this.entries.set(key, entry);
      for (const f of files) this.watchDir(dirname(f));
    }
    if (!entry.prepared) {
      await this.reload(entry);
      if (!entry.prepared) throw new Error(entry.problem?.message ?? "the policy could not be loaded");
      return entry.prepared;
    }
    if (this.signatureOf(entry.files) !== entry.signature) void this.reload(entry);
    return entry.prepared;
  }

  close(): void {
    this.closed = true;
    for (const w of this.watchers.values()) w.close();
    this.watchers.clear();
  }

  private approversFile(): string {
    return join(configDir(this.daemonEnv), "approvers.yaml");
  }

  private signatureOf(files: string[]): string {
    return files.map((f) => sig(statOrUndefined(f))).join("|");
  }

  private watchDir(dir: string): void {
    if (this.watchers.has(dir) || this.closed) return;
    try {
      // The directory, not the file: an editor's rename-replace gives the file a new inode.
      const w = watch(dir, { persistent: false }, (_event, name) => {
        for (const e of this.entries.values())
          if (name === null || e.files.some((f) => dirname(f) === dir && basename(f) === String(name)))
            void this.reload(e);
      });
      w.on("error", () => this.watchers.delete(dir));
      this.watchers.set(dir, w);
    } catch {
      // Not watchable (gone, no inotify slots): the per-request signature check still sees changes.
    }
  }

  /** Re-reads an entry's files; concurrent calls share one reload (and a change during it runs another). */
  private reload(entry: Entry): Promise<void> {
    if (entry.reloading) {
      entry.again = true;
      return entry.reloading;
    }
    entry.reloading = (async () => {
      do {
        entry.again = false;
        await this.reloadOnce(entry);
      } while (entry.again && !this.closed);
    })().finally(() => {
      entry.reloading = undefined;
    });
    return entry.reloading;
  }

  private async reloadOnce(entry: Entry): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const before = this.signatureOf(entry.files);
      try {
        const prepared = await loadPrepared({ ...entry.where, read: (f) => this.readSettled(f) });
        // A file that changed between the signature and the read is read again on the next request.
        entry.signature = before;
        entry.prepared = prepared;
        entry.problem = undefined;
        this.options.onReload?.(entry.files, undefined);
        return;
      } catch (err) {
        if (err instanceof Unsettled && attempt < 50) {
          await new Promise((r) => setTimeout(r, this.settleMs));
          continue;
        }
        entry.signature = before;
        entry.problem = {
          files: entry.files.slice(0, -1),
          message: (err as Error).message,
          since: entry.problem?.since ?? new Date().toISOString(),
        };
        this.options.onReload?.(entry.files, entry.problem);
        return;
      }
    }
  }

  /** The whole text of a file nobody is writing: unchanged across the read and older than settleMs. */
  private readSettled(file: string): string {
    let fd: number;
    try {
      fd = openSync(file, "r");
    } catch (err) {
      throw new Error(`${file}: cannot read policy: ${(err as NodeJS.ErrnoException).code ?? err}`);
    }
    try {
      const st1 = fstatSync(fd);
      if (Date.now() - st1.mtimeMs < this.settleMs) throw new Unsettled(file);
      const buf = readFileSync(fd);
      const st2 = fstatSync(fd);
      const now = statOrUndefined(file);
      if (
        buf.length !== st2.size ||
        sig(st1) !== sig(st2) ||
        !now ||
        now.ino !== st1.ino ||
        now.mtimeMs !== st1.mtimeMs
      )
        throw new Unsettled(file);
      return buf.toString("utf8");
    } finally {
      closeSync(fd);
    }
  }
}
