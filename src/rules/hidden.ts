import type { Analysis, Finding } from "../types.ts";

// TODO(owner): turn analysis notes (code hidden in data) into findings.
export function classifyNotes(_analysis: Analysis): Finding[] {
  return [];
}
