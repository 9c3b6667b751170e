// TODO(owner: shell): real analysis with unbash. This stub splits on spaces so other stages can be built.
import type { Analysis } from "../types.ts";

export function analyze(source: string): Analysis {
  const words = source.trim().split(/\s+/).filter(Boolean);
  if (words.length === 0) return { source, invocations: [], notes: [], diagnostics: [] };
  return {
    source,
    invocations: [
      {
        argv: words.map((w) => ({ value: w, text: w, dynamic: false })),
        program: words[0]!.split("/").pop()!,
        via: [],
        redirects: [],
        assignments: [],
        stdin: null,
        span: [0, source.length],
      },
    ],
    notes: [],
    diagnostics: [],
  };
}
