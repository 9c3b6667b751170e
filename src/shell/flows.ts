// Where data goes between the invocations of one request: pipes, command and process substitutions,
// wrappers and variables assigned from command output. Neutral facts (no risk); the rules use them to see
// a secret read in one command reach a network client in another. Kept beside the Analysis (keyed by the
// object `analyze` returned) so the Analysis type itself stays as it is.
import type { Analysis } from "../types.ts";

export interface Substitution {
  /** The invocation whose command line holds the `$(…)`, backticks, `<(…)` or `>(…)`. */
  into: number;
  /**
   * `output`: the substituted command's output becomes part of that command line (`$(…)`, backticks,
   * `<(…)`, here-doc bodies). `input`: the command writes into it (`>(…)`).
   */
  kind: "output" | "input";
}

export interface AssignedVariable {
  name: string;
  /** Invocations whose output the value holds (`X=$(cat .env)`). */
  from: number[];
  /** Invocations from this index on can expand it. */
  visibleFrom: number;
}

export interface Flows {
  /** Per invocation: the invocations of the previous pipeline stage, whose output is its standard input. */
  stdinFrom: number[][];
  /** Per invocation: the command line it is substituted into, if any. */
  substitution: (Substitution | null)[];
  /** Per invocation: the wrapper or shell that runs it (`sudo`, `bash -c`, `ssh host`, `xargs`), if any. */
  wrapper: (number | null)[];
  variables: AssignedVariable[];
}

const registry = new WeakMap<Analysis, Flows>();

export function registerFlows(analysis: Analysis, flows: Flows): void {
  registry.set(analysis, flows);
}

/** The flows of an analysis made by `analyze`; undefined for hand-built analyses (no relations known). */
export function analysisFlows(analysis: Analysis): Flows | undefined {
  return registry.get(analysis);
}
