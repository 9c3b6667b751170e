// Grammar helpers for tools shaped `tool [global options] subcommand… [options] [operands]`
// (git, docker, kubectl, aws, gcloud, terraform …): finding the real subcommand behind value-taking options.
import type { Invocation, Word } from "../types.ts";

export interface OptionGrammar {
  /** Options that take the next word as their value unless written `--opt=v` (e.g. `-C`, `--namespace`). */
  values?: readonly string[];
  /** Short options whose value may be glued on (`-Cdir`, `-nprod`). */
  attached?: readonly string[];
  /**
   * When true, every long option not listed in `flags` is assumed to take a value (`--region us-east-1`):
   * the safe reading for CLIs whose options nearly all take values, because then an option value is never
   * mistaken for the subcommand.
   */
  longTakeValue?: boolean;
  /** Long options that are flags (never take a value) when `longTakeValue` is on. */
  flags?: readonly string[];
}

/** Does option `a` consume the following word under this grammar? */
function consumesNext(a: string, next: string | undefined, g: OptionGrammar): boolean {
  if (a.includes("=") || next === undefined) return false;
  if (g.values?.includes(a)) return true;
  // An assumed value is never another option: `--quiet --zone z` keeps `--zone` an option.
  if (g.longTakeValue && a.startsWith("--") && !(g.flags ?? []).includes(a)) return !next.startsWith("-");
  return false;
}

/**
 * Positional words (with their index into `list`), skipping option words and their values.
 * A literal `--` ends options; later words are positional.
 */
export function operands(list: readonly string[], g: OptionGrammar = {}): { value: string; at: number }[] {
  const out: { value: string; at: number }[] = [];
  let afterDashDash = false;
  for (let i = 0; i < list.length; i++) {
    const a = list[i]!;
    if (afterDashDash || a === "-" || !a.startsWith("-")) {
      out.push({ value: a, at: i });
      continue;
    }
    if (a === "--") {
      afterDashDash = true;
      continue;
    }
    if (g.attached?.some((s) => a.startsWith(s) && a.length > s.length)) continue;
    if (consumesNext(a, list[i + 1], g)) i++;
  }
  return out;
}

/**
 * Skip leading options (global options before the subcommand). Returns the words before the first
 * operand, the operand's index and the remaining words after it. A leading `--` is skipped too.
 */
export function splitAtSubcommand(
  list: readonly string[],
  g: OptionGrammar = {},
): { globals: string[]; sub: string | undefined; at: number; rest: string[] } {
  for (let i = 0; i < list.length; i++) {
    const a = list[i]!;
    if (a === "--") {
      const sub = list[i + 1];
      return { globals: list.slice(0, i), sub, at: i + 1, rest: list.slice(i + 2) };
    }
    if (!a.startsWith("-") || a === "-")
      return { globals: list.slice(0, i), sub: a, at: i, rest: list.slice(i + 1) };
    if (g.attached?.some((s) => a.startsWith(s) && a.length > s.length)) continue;
    if (consumesNext(a, list[i + 1], g)) i++;
  }
  return { globals: [...list], sub: undefined, at: list.length, rest: [] };
}

/** Values of an option wherever it appears before `--` (`--opt v`, `--opt=v`, `-o v`, `-ov` for attached shorts). */
export function optionValues(
  list: readonly string[],
  names: readonly string[],
  attached: readonly string[] = [],
): string[] {
  const out: string[] = [];
  for (let i = 0; i < list.length; i++) {
    const a = list[i]!;
    if (a === "--") break;
    for (const n of names) {
      if (a === n && i + 1 < list.length) out.push(list[i + 1]!);
      else if (n.startsWith("--") && a.startsWith(`${n}=`)) out.push(a.slice(n.length + 1));
    }
    for (const s of attached)
      if (a.startsWith(s) && a.length > s.length && !a.startsWith("--")) out.push(a.slice(s.length));
  }
  return out;
}

/**
 * True if any of the long options (`--force`, `--force=…`) or short letters (bundled `-fd`) appear before
 * `--`. Letters in `valueShorts` take a value, so the rest of their bundle is that value (`-bfeature`).
 */
export function hasOption(
  list: readonly string[],
  longs: readonly string[],
  shorts = "",
  valueShorts = "",
): boolean {
  for (let i = 0; i < list.length; i++) {
    const a = list[i]!;
    if (a === "--") return false;
    if (a.startsWith("--")) {
      if (longs.some((l) => a === l || a.startsWith(`${l}=`))) return true;
    } else if (a.startsWith("-") && a.length > 1 && shorts !== "") {
      for (const c of a.slice(1)) {
        if (shorts.includes(c)) return true;
        if (valueShorts.includes(c) || !/[A-Za-z0-9]/.test(c)) break;
      }
      // `-b name`: the next word is the value, not options.
      if (valueShorts !== "" && valueShorts.includes(a[a.length - 1]!)) i++;
    }
  }
  return false;
}

/** The words after the program name. */
export function argWords(inv: Invocation): Word[] {
  return inv.argv.slice(1);
}

/** A prefix assignment's literal value (`AWS_PROFILE=prod aws …`), or undefined when absent or dynamic. */
export function assigned(inv: Invocation, name: string): string | undefined {
  for (const a of inv.assignments) if (a.name === name && !a.value.dynamic) return a.value.value;
  return undefined;
}

/** Render a few words for a reason (`git push --force origin main`). */
export function quoteWords(words: readonly string[], max = 6): string {
  const shown = words.slice(0, max).join(" ");
  return words.length > max ? `${shown} …` : shown;
}
