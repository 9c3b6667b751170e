// A getopt-like scanner for the options of wrapper commands (`sudo -u root -- cmd`, `timeout -s KILL 5 cmd`).
// Only the shape matters here (which words are options, which are operands); meanings stay with the callers.

import type { RWord } from "./words.ts";

export interface OptionSpec {
  /** Short options that take an argument, attached (`-uroot`) or as the next word (`-u root`). */
  readonly shortArg?: string;
  /** Short options whose argument is optional and may only be attached (`-i{}`), as in GNU getopt `x::`. */
  readonly shortOptional?: string;
  /** Long option names (without `--`) that take an argument as `--name=v` or `--name v`. */
  readonly longArg?: ReadonlySet<string>;
}

export interface OptionHit {
  /** The option letter, or the long name without `--`. */
  readonly name: string;
  /** The argument's text, when the option has one. */
  readonly value: string | undefined;
  /** The word the argument came from (attached or the next word). */
  readonly word: RWord | undefined;
  /** True when the argument is the whole of `word` (`-c STR`, not `-cSTR` or `--command=STR`). */
  readonly whole: boolean;
}

export type OptionVisitor = (hit: OptionHit) => void;

const NO_LONG: ReadonlySet<string> = new Set();

/**
 * Scans options from `start` and returns the index of the first operand (POSIX style: options end at the first
 * non-option word, at `--` which is consumed, or at a dynamic word whose role cannot be known).
 */
export function scanOptions(
  words: readonly RWord[],
  start: number,
  spec: OptionSpec,
  visit?: OptionVisitor,
): number {
  let i = start;
  while (i < words.length) {
    const next = scanOne(words, i, spec, visit);
    if (next < 0) return i;
    if (next === Number.POSITIVE_INFINITY) return i + 1;
    i = next;
  }
  return i;
}

/**
 * GNU-permuting scan: options may appear anywhere before `--`. Returns the indices of the operands in order.
 */
export function scanPermuted(
  words: readonly RWord[],
  start: number,
  spec: OptionSpec,
  visit?: OptionVisitor,
): number[] {
  const operands: number[] = [];
  let i = start;
  while (i < words.length) {
    const next = scanOne(words, i, spec, visit);
    if (next === Number.POSITIVE_INFINITY) {
      for (let j = i + 1; j < words.length; j++) operands.push(j);
      break;
    }
    if (next < 0) {
      operands.push(i);
      i++;
    } else i = next;
  }
  return operands;
}

/** Returns the next index after the option at `i`, -1 if `i` is an operand, +Infinity for `--`. */
function scanOne(
  words: readonly RWord[],
  i: number,
  spec: OptionSpec,
  visit: OptionVisitor | undefined,
): number {
  const w = words[i]!;
  const text = w.word.value;
  if (w.word.dynamic || text.length < 2 || text.charCodeAt(0) !== 45 /* - */) return -1;
  if (text.charCodeAt(1) === 45) {
    if (text.length === 2) return Number.POSITIVE_INFINITY;
    const eq = text.indexOf("=");
    const name = eq < 0 ? text.slice(2) : text.slice(2, eq);
    if (eq >= 0) {
      visit?.({ name, value: text.slice(eq + 1), word: w, whole: false });
      return i + 1;
    }
    if ((spec.longArg ?? NO_LONG).has(name)) {
      const arg = words[i + 1];
      visit?.({ name, value: arg?.word.value, word: arg, whole: true });
      return i + 2;
    }
    visit?.({ name, value: undefined, word: undefined, whole: false });
    return i + 1;
  }
  const shortArg = spec.shortArg ?? "";
  const shortOptional = spec.shortOptional ?? "";
  for (let k = 1; k < text.length; k++) {
    const c = text[k]!;
    if (shortArg.includes(c)) {
      if (k + 1 < text.length) {
        visit?.({ name: c, value: text.slice(k + 1), word: w, whole: false });
        return i + 1;
      }
      const arg = words[i + 1];
      visit?.({ name: c, value: arg?.word.value, word: arg, whole: true });
      return i + 2;
    }
    if (shortOptional.includes(c)) {
      const rest = k + 1 < text.length ? text.slice(k + 1) : undefined;
      visit?.({ name: c, value: rest, word: rest === undefined ? undefined : w, whole: false });
      return i + 1;
    }
    visit?.({ name: c, value: undefined, word: undefined, whole: false });
  }
  return i + 1;
}
