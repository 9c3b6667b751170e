// Small grammar helpers shared by the rule packs: flags in any order and spelling, positionals, subcommands.
import type { Finding, Invocation, Risk } from "../types.ts";

/** Argument values after the program name. */
export function args(inv: Invocation): string[] {
  return inv.argv.slice(1).map((w) => w.value);
}

/** Arguments before a literal `--` (where options can still appear). */
export function optionArgs(list: readonly string[]): string[] {
  const end = list.indexOf("--");
  return end === -1 ? [...list] : list.slice(0, end);
}

/** True if short flag `ch` appears alone or bundled (`-rf`, `-fr`, `-r -f`), before `--`. */
export function hasShort(list: readonly string[], ch: string): boolean {
  return optionArgs(list).some((a) => /^-[A-Za-z0-9]+$/.test(a) && a.slice(1).includes(ch));
}

/** True if `--name` or `--name=value` appears before `--`. */
export function hasLong(list: readonly string[], name: string): boolean {
  return optionArgs(list).some((a) => a === `--${name}` || a.startsWith(`--${name}=`));
}

/** Value of `--name=v`, `--name v`, or short `-x v` / `-xv`. */
export function optionValue(list: readonly string[], long?: string, short?: string): string | undefined {
  const opts = optionArgs(list);
  for (let i = 0; i < opts.length; i++) {
    const a = opts[i]!;
    if (long !== undefined) {
      if (a === `--${long}`) return opts[i + 1];
      if (a.startsWith(`--${long}=`)) return a.slice(long.length + 3);
    }
    if (short !== undefined) {
      if (a === `-${short}`) return opts[i + 1];
      if (a.startsWith(`-${short}`) && a.length > 2 && !a.startsWith("--")) return a.slice(2);
    }
  }
  return undefined;
}

/**
 * Positional arguments: everything that is not an option, skipping the values of options listed in
 * `takesValue` (given as `-n` or `--namespace`; `--x=v` forms never consume the next word).
 */
export function positionals(list: readonly string[], takesValue: readonly string[] = []): string[] {
  const out: string[] = [];
  let afterDashDash = false;
  for (let i = 0; i < list.length; i++) {
    const a = list[i]!;
    if (afterDashDash) {
      out.push(a);
      continue;
    }
    if (a === "--") {
      afterDashDash = true;
      continue;
    }
    if (a.startsWith("-") && a !== "-") {
      if (!a.includes("=") && takesValue.includes(a)) i++;
      continue;
    }
    out.push(a);
  }
  return out;
}

export function finding(
  risk: Risk,
  rule: string,
  reason: string,
  index: number,
  extra: Partial<Finding> = {},
): Finding {
  return { risk, rule, reason, invocation: index, ...extra };
}
