// The shell analysis stage: a command string → every invocation that would execute, plus notes and diagnostics.
// Knows nothing of risk. Never throws: anything it cannot analyse becomes a diagnostic (which fails closed later).

import type { Analysis } from "../types.ts";
import { registerFlows } from "./flows.ts";
import { rootFrame } from "./frame.ts";
import { Walker } from "./walk.ts";

export interface AnalyzeOptions {
  /** Nesting bound (substitutions, compound commands, wrappers, payloads). Default 32. */
  maxDepth?: number;
  /** Input bound in UTF-16 code units. Default 1 MiB (1,048,576). */
  maxLength?: number;
}

export { type AssignedVariable, analysisFlows, type Flows, type Substitution } from "./flows.ts";

export const DEFAULT_MAX_DEPTH = 32;
export const DEFAULT_MAX_LENGTH = 1 << 20;

export function analyze(source: string, options?: AnalyzeOptions): Analysis {
  if (typeof source !== "string") {
    return {
      source: "",
      invocations: [],
      notes: [],
      diagnostics: [{ kind: "parse", message: "input is not a string" }],
    };
  }
  const maxLength = options?.maxLength ?? DEFAULT_MAX_LENGTH;
  if (source.length > maxLength) {
    return {
      source,
      invocations: [],
      notes: [],
      diagnostics: [
        {
          kind: "size",
          message: `input of ${source.length} characters exceeds the ${maxLength}-character bound`,
          span: [0, source.length],
        },
      ],
    };
  }
  const walker = new Walker(options?.maxDepth ?? DEFAULT_MAX_DEPTH);
  try {
    walker.run(source, rootFrame(source.length));
    walker.finish();
  } catch (error) {
    // A parser or walker failure must not become "nothing to see": report it and keep what was found.
    const message = error instanceof Error ? error.message : String(error);
    walker.diagnostics.push({
      kind: "parse",
      message: `analysis failed: ${message}`,
      span: [0, source.length],
    });
  }
  const analysis: Analysis = {
    source,
    invocations: walker.invocations,
    notes: walker.notes,
    diagnostics: walker.diagnostics,
  };
  registerFlows(analysis, walker.flows());
  return analysis;
}
