// Reads a policy file: YAML with positions, validated against the zod schema. Every error names
// file:line:col and the field, with the nearest valid key for typos. Loaded lazily (yaml + zod).
import { readYaml } from "../yaml-file.ts";
import type { LayerInfo } from "./compile.ts";
import type { PolicyDocument } from "./document.ts";
import { PolicyError } from "./errors.ts";
import { type LayerSource, readPolicyText } from "./load.ts";
import { policySchema } from "./schema.ts";

/** Parses and validates policy text; `file` names it in messages. */
export function parsePolicyText(
  text: string,
  file: string,
  kind: LayerInfo["kind"],
  trusted: boolean,
): LayerSource {
  const read = readYaml(text, file, policySchema, {
    root: "policy",
    notMapping: "a policy is a mapping of fields (unknown, decisions, rules, …)",
  });
  if (!read.ok) throw new PolicyError(read.problems[0]!, file, read.problems);
  const layer: LayerInfo = { kind, name: file, file, trusted };
  return { layer, doc: read.value as PolicyDocument, locate: read.locate };
}

/** Reads, parses and validates one policy file. */
export async function parsePolicyFile(
  file: string,
  kind: LayerInfo["kind"],
  trusted: boolean,
): Promise<LayerSource> {
  return parsePolicyText(readPolicyText(file), file, kind, trusted);
}

export type { PolicyDocument };
