// Reads a policy file: YAML with positions, validated against the zod schema. Every error names
// file:line:col and the field, with the nearest valid key for typos. Loaded lazily (yaml + zod).
import * as yamlModule from "yaml";
import type { LayerInfo } from "./compile.ts";
import type { PolicyDocument } from "./document.ts";
import { PolicyError } from "./errors.ts";
import { type LayerSource, nearest, readPolicyText } from "./load.ts";
import { knownKeys, validate, type ZodIssue } from "./schema.ts";

// Bundled, yaml's CommonJS build can arrive as the default export.
const yaml = ((yamlModule as unknown as { default?: typeof yamlModule }).default ??
  yamlModule) as typeof yamlModule;

type DocPath = readonly (string | number)[];

function fieldName(path: readonly PropertyKey[]): string {
  let out = "";
  for (const p of path) out += typeof p === "number" ? `[${p}]` : out ? `.${String(p)}` : String(p);
  return out || "policy";
}

/** Parses and validates policy text; `file` names it in messages. */
export function parsePolicyText(
  text: string,
  file: string,
  kind: LayerInfo["kind"],
  trusted: boolean,
): LayerSource {
  const lineCounter = new yaml.LineCounter();
  const doc = yaml.parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const position = (offset: number) => {
    const { line, col } = lineCounter.linePos(offset);
    return `${file}:${line}:${col}`;
  };
  if (doc.errors.length > 0) {
    const problems = doc.errors.map(
      (e) => `${position(e.pos[0])}: invalid YAML: ${e.message.split("\n")[0]}`,
    );
    throw new PolicyError(problems[0]!, file, problems);
  }
  const nodeAt = (path: DocPath): { range?: [number, number, number] | null } | undefined => {
    for (let n = path.length; n >= 0; n--) {
      const node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true);
      if (node && typeof node === "object" && "range" in (node as object))
        return node as { range?: [number, number, number] };
    }
    return undefined;
  };
  const locate = (path: DocPath): string => {
    const node = nodeAt(path);
    return node?.range ? position(node.range[0]) : `${file}:1:1`;
  };
  const keyAt = (path: DocPath, key: string): string => {
    const parent = path.length === 0 ? doc.contents : doc.getIn(path, true);
    if (yaml.isMap(parent)) {
      const pair = parent.items.find((p) => yaml.isScalar(p.key) && p.key.value === key);
      if (pair && yaml.isScalar(pair.key) && pair.key.range) return position(pair.key.range[0]);
    }
    return locate(path);
  };

  const raw = doc.toJS({ maxAliasCount: 100 }) ?? {};
  if (typeof raw !== "object" || Array.isArray(raw))
    throw new PolicyError(
      `${file}:1:1: a policy is a mapping of fields (unknown, decisions, rules, …)`,
      file,
    );
  const result = validate(raw);
  if (!result.ok) {
    const problems = result.issues.flatMap((issue) => describeIssue(issue, locate, keyAt));
    throw new PolicyError(problems[0]!, file, problems);
  }
  const layer: LayerInfo = { kind, name: file, file, trusted };
  return { layer, doc: result.value, locate };
}

function describeIssue(
  issue: ZodIssue,
  locate: (p: DocPath) => string,
  keyAt: (p: DocPath, k: string) => string,
): string[] {
  const path = issue.path.filter((p): p is string | number => typeof p !== "symbol");
  if (issue.code === "unrecognized_keys") {
    const valid = knownKeys(path);
    return issue.keys.map((key) => {
      const hint = nearest(key, valid);
      return `${keyAt(path, key)}: unknown field '${key}' in ${fieldName(path)}${hint ? ` (did you mean '${hint}'?)` : ""}`;
    });
  }
  if (issue.code === "invalid_union") {
    // Report the branch that got furthest (deepest path) instead of "invalid input".
    const branches = (issue as unknown as { errors: ZodIssue[][] }).errors ?? [];
    const deepest = branches.flat().sort((a, b) => b.path.length - a.path.length)[0];
    if (deepest && deepest.path.length > 0)
      return describeIssue({ ...deepest, path: [...issue.path, ...deepest.path] } as ZodIssue, locate, keyAt);
  }
  return [`${locate(path)}: ${fieldName(path)}: ${issue.message}`];
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
