// Filesystem: deletes, overwrites, permission changes and disk tools, judged by where their targets are.
// Deleting inside the workspace is ordinary work; the home directory, system paths, devices and `/` are not.
import type { Finding, Invocation, Risk, RuleContext, Word } from "../types.ts";
import { maxRisk, riskRank } from "../types.ts";
import type { RulePack } from "./pack.ts";
import { type Judgement, judgeDelete, judgeWrite, resolveTarget, type Target } from "./paths.ts";
import { secretPath } from "./secrets.ts";
import { finding } from "./util.ts";

/** Splits argv[1..] into option words and operand words; `takesValue` options consume the next word. */
export function splitArgs(
  argv: readonly Word[],
  takesValue: readonly string[] = [],
): { options: string[]; operands: Word[] } {
  const options: string[] = [];
  const operands: Word[] = [];
  let rest = false;
  for (let i = 1; i < argv.length; i++) {
    const w = argv[i]!;
    const v = w.value;
    if (rest || v === "-" || !v.startsWith("-") || (w.dynamic && !/^-[A-Za-z-]/.test(w.text))) {
      operands.push(w);
      continue;
    }
    if (v === "--") {
      rest = true;
      continue;
    }
    options.push(v);
    if (!v.includes("=") && takesValue.includes(v)) {
      const next = argv[++i];
      if (next) options.push(next.value);
    }
  }
  return { options, operands };
}

/** Short flag `ch` alone or bundled (`-rf`), or one of the long names. */
export function flag(options: readonly string[], ch: string | null, ...longs: string[]): boolean {
  return options.some(
    (o) =>
      (ch !== null && /^-[A-Za-z0-9]+$/.test(o) && o.slice(1).includes(ch)) ||
      longs.some((l) => o === `--${l}` || o.startsWith(`--${l}=`)),
  );
}

/** The worst judgement over several targets, with all resolved paths. */
function worst(list: { target: Target; j: Judgement }[]): { j: Judgement; paths: string[] } | null {
  if (list.length === 0) return null;
  let best = list[0]!;
  for (const x of list) if (riskRank(x.j.risk) > riskRank(best.j.risk)) best = x;
  const paths = list.map((x) =>
    x.target.kind === "path" ? (x.target.glob ? `${x.target.path}/*` : x.target.path) : x.target.text,
  );
  return { j: best.j, paths };
}

/**
 * `{}` is filled in by the wrapper: `find -exec` and `parallel` judge their own inputs (so the inner
 * command skips it), while `xargs -I{}` reads it from a pipe (unknown until run time).
 */
function filledByWrapper(w: Word, inv: Invocation): boolean {
  if (w.value !== "{}") return false;
  const outer = inv.via[inv.via.length - 1] ?? "find";
  return /^(find|parallel)\b/.test(outer);
}

const UNKNOWN_INPUT: Word = { value: "", text: "", dynamic: true };

/** Operands with `{}` placeholders dropped (find, parallel) or made unknown (xargs). */
function targetWords(operands: readonly Word[], inv: Invocation): Word[] {
  return operands.filter((w) => !filledByWrapper(w, inv)).map((w) => (w.value === "{}" ? UNKNOWN_INPUT : w));
}

function rm(inv: Invocation, ctx: RuleContext, index: number): Finding[] {
  const { options, operands } = splitArgs(inv.argv);
  const recursive = flag(options, "r", "recursive") || flag(options, "R");
  const out: Finding[] = [];
  if (flag(options, null, "no-preserve-root"))
    out.push(
      finding(
        "critical",
        "filesystem.rm-no-preserve-root",
        "deletes with --no-preserve-root, which allows wiping the whole filesystem",
        index,
      ),
    );
  const targets = targetWords(operands, inv);
  if (targets.length === 0 && inv.via.some((v) => v.startsWith("xargs"))) {
    out.push(
      finding(
        recursive ? "high" : "medium",
        "filesystem.rm-stdin-targets",
        `${recursive ? "recursively deletes" : "deletes"} paths read from a pipe, unknown until run time`,
        index,
      ),
    );
    return out;
  }
  const w = worst(
    targets.map((word) => {
      const target = resolveTarget(word, ctx);
      return { target, j: judgeDelete(target, ctx, recursive) };
    }),
  );
  if (w && w.j.risk !== "low") {
    const verb = recursive ? "recursive delete of" : "deletes";
    out.push(finding(w.j.risk, `filesystem.rm-${w.j.tag}`, `${verb} ${w.j.what}`, index, { paths: w.paths }));
  }
  // Secret files (.env, keys) are kept out of version control: a delete cannot be undone from git.
  for (const word of targets) {
    const t = resolveTarget(word, ctx);
    const s = t.kind === "path" && !t.glob ? secretPath(t.path, ctx) : null;
    if (s && t.kind === "path") {
      out.push(
        finding(
          "medium",
          "filesystem.rm-secret",
          `deletes ${s.what}, which version control usually cannot restore`,
          index,
          { paths: [t.path] },
        ),
      );
      break;
    }
  }
  return out;
}

function rmdir(inv: Invocation, ctx: RuleContext, index: number): Finding[] {
  const { operands } = splitArgs(inv.argv);
  const w = worst(
    operands.map((word) => {
      const target = resolveTarget(word, ctx);
      const j = judgeDelete(target, ctx, false);
      // rmdir only removes empty directories: at worst it breaks a layout, it never loses data.
      return {
        target,
        j: { ...j, risk: j.tag === "project" || j.tag === "temp" ? "low" : ("medium" as Risk) },
      };
    }),
  );
  return w && w.j.risk !== "low"
    ? [
        finding(w.j.risk, "filesystem.rmdir-outside", `removes the directory ${w.j.what}`, index, {
          paths: w.paths,
        }),
      ]
    : [];
}

/** Destinations outside the project that are not system or start-up files: worth a question, not an alarm. */
function copyDestination(j: Judgement): Judgement {
  return j.tag === "outside" ? { ...j, risk: "medium" } : j;
}

function moveOrCopy(inv: Invocation, ctx: RuleContext, index: number, move: boolean): Finding[] {
  const { options, operands } = splitArgs(inv.argv, ["-t", "--target-directory", "-S", "--suffix"]);
  const out: Finding[] = [];
  const tIdx = options.findIndex((o) => o === "-t" || o === "--target-directory");
  const tEq = options.find((o) => o.startsWith("--target-directory="));
  let destWord: Word | undefined;
  let sources: Word[];
  if (tIdx !== -1 && options[tIdx + 1] !== undefined) {
    destWord = { value: options[tIdx + 1]!, text: options[tIdx + 1]!, dynamic: false };
    sources = operands;
  } else if (tEq) {
    const v = tEq.slice(tEq.indexOf("=") + 1);
    destWord = { value: v, text: v, dynamic: false };
    sources = operands;
  } else {
    if (operands.length < 2) return [];
    destWord = operands[operands.length - 1]!;
    sources = operands.slice(0, -1);
  }
  const verb = move ? "moves" : "copies";
  // Under xargs the real last argument arrives on stdin, and with no input any written operand may be last.
  const candidates = operands.some((w) => w.dynamic && w.text === "") ? [destWord, ...sources] : [destWord];
  let dest = resolveTarget(destWord, ctx);
  let dj = copyDestination(judgeWrite(dest, ctx));
  for (const c of candidates) {
    const t = resolveTarget(c, ctx);
    const j = copyDestination(judgeWrite(t, ctx));
    if (riskRank(j.risk) > riskRank(dj.risk)) {
      dest = t;
      dj = j;
    }
  }
  if (dj.risk !== "low")
    out.push(
      finding(
        dj.risk,
        `filesystem.${move ? "mv" : "cp"}-into-${dj.tag}`,
        `${verb} files onto ${dj.what}`,
        index,
        {
          paths: [dest.kind === "path" ? dest.path : dest.text],
        },
      ),
    );
  if (move) {
    const w = worst(
      targetWords(sources, inv).map((word) => {
        const target = resolveTarget(word, ctx);
        const j = judgeDelete(target, ctx, true);
        // Renaming inside the project is ordinary work; only moving things away from elsewhere is a removal.
        return { target, j: j.tag === "project" || j.tag === "temp" ? { ...j, risk: "low" as Risk } : j };
      }),
    );
    if (w && w.j.risk !== "low")
      out.push(
        finding(w.j.risk, `filesystem.mv-from-${w.j.tag}`, `moves away ${w.j.what}`, index, {
          paths: w.paths,
        }),
      );
  }
  return out;
}

const DISK_TOOLS_READONLY: Record<string, (opts: string[], ops: Word[]) => boolean> = {
  fdisk: (o) => flag(o, "l", "list"),
  sfdisk: (o) => flag(o, "l", "list", "dump", "json") || flag(o, "d"),
  parted: (o, ops) => flag(o, "l", "list") || ops.some((w) => w.value === "print"),
  gdisk: (o) => flag(o, "l", "list"),
  sgdisk: (o) => flag(o, "p", "print") && !flag(o, "Z", "zap-all") && !flag(o, "o", "clear"),
  wipefs: (o) => !flag(o, "a", "all") && !o.some((x) => x === "-o" || x.startsWith("--offset")),
};

function diskTool(inv: Invocation, ctx: RuleContext, index: number): Finding[] {
  const program = inv.program!;
  const { options, operands } = splitArgs(inv.argv, ["-t", "-L", "-b", "-o", "--offset", "-s", "-n", "-U"]);
  const ro = DISK_TOOLS_READONLY[program];
  if (ro?.(options, operands)) return [];
  const devices = operands.filter((w) => {
    const t = resolveTarget(w, ctx);
    return t.kind === "dynamic" || t.path.startsWith("/dev/");
  });
  if (devices.length > 0)
    return [
      finding(
        "critical",
        "filesystem.disk-format",
        `\`${program}\` rewrites the disk or partition ${devices.map((d) => d.text).join(", ")}, destroying its data`,
        index,
      ),
    ];
  const w = worst(
    operands.map((word) => {
      const target = resolveTarget(word, ctx);
      return { target, j: judgeWrite(target, ctx) };
    }),
  );
  const risk = maxRisk("medium", w?.j.risk ?? "medium");
  return [
    finding(
      risk,
      "filesystem.disk-tool",
      `\`${program}\` formats or repartitions ${w ? w.j.what : "a disk"}`,
      index,
    ),
  ];
}

function dd(inv: Invocation, ctx: RuleContext, index: number): Finding[] {
  const of = inv.argv.slice(1).find((w) => w.value.startsWith("of="));
  if (!of) return [];
  const value = of.value.slice(3);
  const word: Word = { value, text: of.text.replace(/^of=/, ""), dynamic: of.dynamic };
  const target = resolveTarget(word, ctx);
  const j = judgeWrite(target, ctx);
  if (j.risk === "low") return [];
  const reason =
    j.tag === "device"
      ? `\`dd\` writes raw data onto ${j.what}, destroying what is on it`
      : `\`dd\` overwrites ${j.what}`;
  return [
    finding(j.risk, `filesystem.dd-${j.tag}`, reason, index, {
      paths: [target.kind === "path" ? target.path : target.text],
    }),
  ];
}

function shred(inv: Invocation, ctx: RuleContext, index: number): Finding[] {
  const { operands } = splitArgs(inv.argv, ["-n", "--iterations", "-s", "--size", "--random-source"]);
  const w = worst(
    operands.map((word) => {
      const target = resolveTarget(word, ctx);
      const j =
        target.kind === "path" && target.path.startsWith("/dev/")
          ? judgeWrite(target, ctx)
          : judgeDelete(target, ctx, false);
      // Shredding cannot be undone, not even from a backup of the inode: never below medium.
      return { target, j: { ...j, risk: maxRisk(j.risk === "medium" ? "high" : j.risk, "medium") } };
    }),
  );
  return w
    ? [
        finding(w.j.risk, `filesystem.shred-${w.j.tag}`, `irrecoverably overwrites ${w.j.what}`, index, {
          paths: w.paths,
        }),
      ]
    : [];
}

function writes(
  inv: Invocation,
  ctx: RuleContext,
  index: number,
  words: readonly Word[],
  verb: string,
  rule: string,
): Finding[] {
  const w = worst(
    targetWords(words, inv).map((word) => {
      const target = resolveTarget(word, ctx);
      return { target, j: judgeWrite(target, ctx) };
    }),
  );
  if (!w || w.j.risk === "low") return [];
  return [
    finding(w.j.risk, `filesystem.${rule}-${w.j.tag}`, `${verb} ${w.j.what}`, index, { paths: w.paths }),
  ];
}

function tee(inv: Invocation, ctx: RuleContext, index: number): Finding[] {
  const { operands } = splitArgs(inv.argv, ["--output-error"]);
  return writes(inv, ctx, index, operands, "writes to", "tee");
}

function truncate(inv: Invocation, ctx: RuleContext, index: number): Finding[] {
  const { operands } = splitArgs(inv.argv, ["-s", "--size", "-r", "--reference"]);
  return writes(inv, ctx, index, operands, "truncates", "truncate");
}

function sedInPlace(inv: Invocation, ctx: RuleContext, index: number): Finding[] {
  const argv = inv.argv;
  const values = argv.slice(1).map((w) => w.value);
  const inPlace = values.some(
    (v) =>
      (/^-[a-zA-Z]*i/.test(v) && !v.startsWith("--")) || v === "--in-place" || v.startsWith("--in-place="),
  );
  if (!inPlace) return [];
  const { options, operands } = splitArgs(argv, [
    "-e",
    "--expression",
    "-f",
    "--file",
    "-l",
    "--line-length",
  ]);
  const scriptGiven = options.some(
    (o) => /^(-e|--expression|-f|--file)(=|$)/.test(o) || /^-[a-zA-Z]*[ef]$/.test(o),
  );
  const files = scriptGiven ? operands : operands.slice(1);
  return writes(inv, ctx, index, files, "edits in place", "sed-in-place");
}

function link(inv: Invocation, ctx: RuleContext, index: number): Finding[] {
  const { options, operands } = splitArgs(inv.argv, ["-t", "--target-directory", "-S", "--suffix"]);
  const t = options.indexOf("-t");
  if (t !== -1 && options[t + 1])
    return writes(
      inv,
      ctx,
      index,
      [{ value: options[t + 1]!, text: options[t + 1]!, dynamic: false }],
      "creates links in",
      "ln",
    );
  if (operands.length < 2) return [];
  const force = flag(options, "f", "force");
  const found = writes(
    inv,
    ctx,
    index,
    [operands[operands.length - 1]!],
    force ? "replaces" : "creates a link at",
    "ln",
  );
  return found;
}

const MODE_DANGEROUS =
  /^(0?[0-7]?[0-7][0-7][2367]|[ugoa]*[+=][rwxXst]*w[rwxXst]*|.*o[+=][rwxXst]*w.*|a[+=].*w.*|\+[rwxXst]*w[rwxXst]*)$/;
const MODE_SETUID = /^([0-7]?[4-7][0-7]{3}|.*[+=][rwxX]*s.*)$/;

function permissions(inv: Invocation, ctx: RuleContext, index: number): Finding[] {
  const program = inv.program!;
  const { options, operands } = splitArgs(inv.argv, ["--reference", "--from"]);
  const recursive = flag(options, "R", "recursive");
  const reference = options.some((o) => o.startsWith("--reference"));
  const first = reference ? undefined : operands[0];
  const targets = reference ? operands : operands.slice(1);
  const mode = program === "chmod" ? (first?.value ?? "") : "";
  const worldWritable = program === "chmod" && MODE_DANGEROUS.test(mode);
  const setuid = program === "chmod" && MODE_SETUID.test(mode);
  const what =
    program === "chmod"
      ? `permissions (${mode || "from a reference file"})`
      : `ownership (${first?.value ?? "reference"})`;
  const out: Finding[] = [];
  const w = worst(
    targets.map((word) => {
      const target = resolveTarget(word, ctx);
      const j = judgeDelete(target, ctx, recursive);
      let risk: Risk;
      switch (j.tag) {
        case "root":
        case "system":
          risk = "critical";
          break;
        case "home":
          risk = recursive || program !== "chmod" ? "critical" : worldWritable ? "high" : "medium";
          break;
        case "startup":
        case "guard":
          // `chmod 600 ~/.ssh/id_rsa` is hygiene; opening those files to others, or changing owners, is not.
          risk = program === "chmod" && !worldWritable ? "low" : "high";
          break;
        case "project":
        case "git":
        case "temp":
          risk = worldWritable || setuid ? "medium" : "low";
          break;
        default:
          risk = recursive ? "high" : "medium";
      }
      return { target, j: { ...j, risk } };
    }),
  );
  if (w && w.j.risk !== "low")
    out.push(
      finding(
        w.j.risk,
        `filesystem.${program}-${w.j.tag}`,
        `${recursive ? "recursively changes" : "changes"} ${what} of ${w.j.what}`,
        index,
        { paths: w.paths },
      ),
    );
  if (setuid && program === "chmod")
    out.push(
      finding(
        "high",
        "filesystem.chmod-setuid",
        `sets the setuid/setgid bit (${mode}), letting the program run with its owner's rights`,
        index,
      ),
    );
  return out;
}

/** Start points of `find`: the words before the first expression token. */
function findStarts(argv: readonly Word[]): { starts: Word[]; expr: string[] } {
  let i = 1;
  while (i < argv.length && /^-[HLP]$|^-O\d$/.test(argv[i]!.value)) i++;
  if (argv[i]?.value === "-D") i += 2;
  const starts: Word[] = [];
  while (i < argv.length && !/^[-(!]/.test(argv[i]!.value)) starts.push(argv[i++]!);
  return { starts, expr: argv.slice(i).map((w) => w.value) };
}

const FIND_FILTERS =
  /^-(i?name|i?path|i?wholename|i?regex|type|x?type|mtime|mmin|atime|amin|ctime|cmin|newer\w*|size|empty|user|group|perm|links|inum|samefile|uid|gid)$/;
const DELETE_PROGRAMS = new Set(["rm", "unlink", "shred", "rmdir", "trash", "srm"]);

function find(inv: Invocation, ctx: RuleContext, index: number): Finding[] {
  const { starts, expr } = findStarts(inv.argv);
  const startWords = starts.length > 0 ? starts : [{ value: ".", text: ".", dynamic: false }];
  let deletes = false;
  let recursiveDelete = false;
  let how = "";
  for (let i = 0; i < expr.length; i++) {
    const a = expr[i]!;
    if (a === "-delete") {
      deletes = true;
      recursiveDelete = true;
      how = "-delete";
    } else if (/^-(exec|execdir|ok|okdir)$/.test(a)) {
      // The command runs per match; skip its words up to the terminator so `-exec echo -delete \;` is data.
      let j = i + 1;
      const cmd = expr[j]?.split("/").pop() ?? "";
      const inner: string[] = [];
      for (j = i + 2; j < expr.length && expr[j] !== ";" && expr[j] !== "+"; j++) inner.push(expr[j]!);
      const program = ["env", "command", "sudo", "busybox", "nice", "nohup"].includes(cmd)
        ? (inner.find((x) => !x.startsWith("-") && !x.includes("=")) ?? "")
        : cmd;
      if (DELETE_PROGRAMS.has(program)) {
        deletes = true;
        const r = inner.some((x) => /^-[a-zA-Z]*[rR]/.test(x) || x === "--recursive");
        recursiveDelete ||= r || program === "rmdir";
        how = `${a} ${program}`;
      }
      i = j;
    }
  }
  if (!deletes) return [];
  const filtered = expr.some((a) => FIND_FILTERS.test(a));
  const w = worst(
    startWords.map((word) => {
      const target = resolveTarget(word, ctx);
      // A filtered delete removes matches below the start point, not the start point itself.
      const j = judgeDelete(
        target.kind === "path" ? { ...target, glob: true } : target,
        ctx,
        recursiveDelete && !filtered,
      );
      let risk = j.risk;
      if (filtered) {
        if (j.tag === "project" || j.tag === "temp") risk = "low";
        else if (j.tag !== "root" && j.tag !== "system" && risk === "critical") risk = "high";
      }
      return { target, j: { ...j, risk } };
    }),
  );
  if (!w || w.j.risk === "low") return [];
  return [
    finding(
      w.j.risk,
      `filesystem.find-delete-${w.j.tag}`,
      `\`find ${how}\` deletes ${filtered ? "matching files in" : ""} ${w.j.what}`.replace("  ", " "),
      index,
      { paths: w.paths },
    ),
  ];
}

const MKFS = /^(mkfs(\.\w+)?|mke2fs|mkswap|mkdosfs|mkntfs|newfs(_\w+)?)$/;
const DISK_TOOLS = ["fdisk", "sfdisk", "cfdisk", "gdisk", "sgdisk", "parted", "wipefs", "blkdiscard"];
const VOLUME_TOOLS = ["lvremove", "vgremove", "pvremove", "cryptsetup", "zpool", "mdadm"];

export const filesystemPack: RulePack = {
  name: "filesystem",
  programs: [
    "rm",
    "unlink",
    "srm",
    "rmdir",
    "mv",
    "cp",
    "install",
    "dd",
    "shred",
    "truncate",
    "tee",
    "sed",
    "gsed",
    "ln",
    "chmod",
    "chown",
    "chgrp",
    "find",
    "mkfs",
    "mkfs.ext2",
    "mkfs.ext3",
    "mkfs.ext4",
    "mkfs.xfs",
    "mkfs.btrfs",
    "mkfs.vfat",
    "mkfs.fat",
    "mkfs.exfat",
    "mkfs.ntfs",
    "mke2fs",
    "mkswap",
    "mkdosfs",
    "mkntfs",
    ...DISK_TOOLS,
    ...VOLUME_TOOLS,
    "mount",
    "umount",
    "chattr",
    "swapoff",
  ],
  classify(inv, ctx, index) {
    const program = inv.program!;
    switch (program) {
      case "rm":
      case "srm":
        return rm(inv, ctx, index);
      case "unlink":
        return rm(inv, ctx, index);
      case "rmdir":
        return rmdir(inv, ctx, index);
      case "mv":
        return moveOrCopy(inv, ctx, index, true);
      case "cp":
      case "install":
        return moveOrCopy(inv, ctx, index, false);
      case "dd":
        return dd(inv, ctx, index);
      case "shred":
        return shred(inv, ctx, index);
      case "truncate":
        return truncate(inv, ctx, index);
      case "tee":
        return tee(inv, ctx, index);
      case "sed":
      case "gsed":
        return sedInPlace(inv, ctx, index);
      case "ln":
        return link(inv, ctx, index);
      case "chmod":
      case "chown":
      case "chgrp":
        return permissions(inv, ctx, index);
      case "find":
        return find(inv, ctx, index);
      case "mount":
      case "swapoff":
      case "chattr":
        return [
          finding(
            "high",
            `filesystem.${program}`,
            `\`${program}\` changes how file systems are attached or protected`,
            index,
          ),
        ];
      case "umount":
        return [finding("medium", "filesystem.umount", "detaches a file system", index)];
      default:
        if (MKFS.test(program) || DISK_TOOLS.includes(program)) return diskTool(inv, ctx, index);
        if (VOLUME_TOOLS.includes(program)) {
          const ro = inv.argv
            .slice(1)
            .every((w) =>
              /^(-|status|list|status|--detail|--examine|--query|iostat|isLuks|luksDump)/.test(w.value),
            );
          return [
            finding(
              ro ? "medium" : "critical",
              `filesystem.${program}`,
              `\`${program}\` ${ro ? "inspects" : "destroys or rewrites"} volumes or disks`,
              index,
            ),
          ];
        }
        return [];
    }
  },
};
