// Hierarchical path permissions: the most specific matching entry wins and children inherit from their
// parents; the workspace has full control; outside it, the configured default. Untrusted (repository)
// entries can only take permissions away.
import { statSync } from "node:fs";
import type { EffectivePolicy, OpSet, PathEntry } from "./compile.ts";
import type { PathOpName } from "./document.ts";
import { absolutePattern, compileGlob, type PathGlob } from "./glob.ts";

interface Compiled {
  entry: PathEntry;
  glob: PathGlob;
  /** Literal absolute prefix a matching path must start with ("" when the pattern is unanchored). */
  prefix: string;
  index: number;
}

export interface PathVerdict {
  ok: boolean;
  /** The entry that governs the path, in words: `/etc (read, built-in policy.yaml:…)`. */
  entry: string;
  permission: string;
  decision: "ask" | "deny";
  reason?: string;
}

const FULL: OpSet = new Set<PathOpName>(["read", "write", "delete", "execute"]);

function compileEntries(entries: readonly PathEntry[], home: string, workspace: string): Compiled[] {
  return entries.map((entry, index) => {
    const abs = absolutePattern(entry.pattern, home, workspace);
    const glob = compileGlob(abs);
    const m = /[*?[{]/.exec(abs);
    // Cut back to a whole directory so `/opt/app/**` still considers `/opt/app` itself.
    const literal = glob.anchored ? (m ? abs.slice(0, m.index) : abs) : "";
    const prefix = literal.endsWith("/") ? literal.slice(0, -1) : literal;
    return { entry, glob, prefix, index };
  });
}

function ancestors(path: string): string[] {
  const out = [path];
  let p = path;
  while (p !== "/") {
    const i = p.lastIndexOf("/");
    p = i <= 0 ? "/" : p.slice(0, i);
    out.push(p);
  }
  return out;
}

export class PathPermissions {
  private readonly entries: Compiled[];
  private readonly restrictions: Compiled[];
  constructor(
    private readonly policy: EffectivePolicy,
    home: string,
    readonly workspace: string,
  ) {
    this.entries = compileEntries(policy.paths.entries, home, workspace);
    this.restrictions = compileEntries(policy.paths.restrictions, home, workspace);
  }

  /**
   * Checks one operation on an absolute, resolved path. An entry applies to the paths it matches and their
   * descendants; the most specific applicable entry governs: for anchored patterns the literal text before
   * the first wildcard (`/srv/data` beats `/srv/**`), for basename patterns (`*.pem`, `.git/hooks` anywhere)
   * the path they matched. Equal specificity: the later entry (later layer) wins.
   */
  check(path: string, op: PathOpName, now: number): PathVerdict {
    const p = this.policy.paths;
    let ops: OpSet = p.outside;
    let governing = `outside the workspace (paths.outside: ${p.outsideName})`;
    let permission = p.outsideName;
    let decision = p.decision;
    let reason: string | undefined;
    let size: number | undefined | null;
    const chain = ancestors(path);
    let best: Compiled | null = null;
    let bestScore = -1;
    for (const c of this.entries) {
      if (c.entry.expires < now) continue;
      if (c.prefix && !path.startsWith(c.prefix)) continue;
      let score = -1;
      for (const candidate of chain) {
        if (!c.glob.test(candidate)) continue;
        score = c.glob.anchored ? c.glob.literalLength : candidate.length;
        break;
      }
      if (score < 0 || score < bestScore) continue;
      if (c.entry.maxSize !== undefined && (op === "write" || op === "delete")) {
        size ??= fileSize(path);
        if (size === null || size > c.entry.maxSize) continue;
      }
      best = c;
      bestScore = score;
    }
    // The workspace is an entry of its own; it covers what is inside it. Replacing or deleting the root
    // itself (`ln -s /etc proj`, `rm -rf proj`) is judged as outside.
    const inWorkspace =
      path.startsWith(`${this.workspace}/`) ||
      this.workspace === "/" ||
      (path === this.workspace && op === "read");
    if (inWorkspace && this.workspace.length > bestScore) {
      ops = FULL;
      governing = `workspace ${this.workspace} (full)`;
      permission = "full";
    } else if (best) {
      ops = best.entry.ops;
      governing = `${best.entry.pattern} (${best.entry.permission}, ${best.entry.where})`;
      permission = best.entry.permission;
      if (best.entry.decision) decision = best.entry.decision;
      reason = best.entry.reason;
    }
    let ok = ops.has(op);
    for (const c of this.restrictions) {
      if (c.entry.expires < now || !ok) continue;
      if (c.prefix && !path.startsWith(c.prefix)) continue;
      if (!chain.some((a) => c.glob.test(a))) continue;
      if (!c.entry.ops.has(op)) {
        ok = false;
        governing = `${c.entry.pattern} (${c.entry.permission}, ${c.entry.where})`;
        permission = c.entry.permission;
        if (c.entry.decision === "deny") decision = "deny";
        reason = c.entry.reason;
      }
    }
    return reason === undefined
      ? { ok, entry: governing, permission, decision }
      : { ok, entry: governing, permission, decision, reason };
  }
}

/** Size of the file: 0 when it does not exist yet; null (condition fails) for directories and the unreadable. */
function fileSize(path: string): number | null {
  try {
    const st = statSync(path);
    return st.isFile() ? st.size : null;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "ENOENT" ? 0 : null;
  }
}
