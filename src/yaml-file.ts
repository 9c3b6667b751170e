// Reads a YAML file with positions and validates it against a zod schema, so every problem names
// file:line:col and the field (with the nearest valid key for typos). Shared by policy and plan files;
// loaded lazily by both (yaml + zod are not on the hook path).
import * as yamlModule from "yaml";
import type * as zod from "zod";
import { nearest } from "./nearest.ts";

// Bundled, yaml's CommonJS build can arrive as the default export.
const yaml = ((yamlModule as unknown as { default?: typeof yamlModule }).default ??
  yamlModule) as typeof yamlModule;

export type DocPath = readonly (string | number)[];
export type ZodIssue = zod.core.$ZodIssue;

/** Where a document path is in the file: `file:line:col`. */
export type Locate = (path: DocPath) => string;

export type YamlRead<T> = { ok: true; value: T; locate: Locate } | { ok: false; problems: string[] };

export interface YamlSchema<T> {
  safeParse(value: unknown): { success: true; data: T } | { success: false; error: { issues: ZodIssue[] } };
}

export function fieldName(path: readonly PropertyKey[], root = "document"): string {
  let out = "";
  for (const p of path) out += typeof p === "number" ? `[${p}]` : out ? `.${String(p)}` : String(p);
  return out || root;
}

/**
 * Parses YAML text and validates it; `what` describes the expected top level for the one message a
 * non-mapping gets (`a policy is a mapping of fields (…)`).
 */
export function readYaml<T>(
  text: string,
  file: string,
  schema: YamlSchema<T> & zod.ZodType,
  what: { root: string; notMapping: string },
): YamlRead<T> {
  const lineCounter = new yaml.LineCounter();
  const doc = yaml.parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const position = (offset: number) => {
    const { line, col } = lineCounter.linePos(offset);
    return `${file}:${line}:${col}`;
  };
  if (doc.errors.length > 0)
    return {
      ok: false,
      problems: doc.errors.map((e) => `${position(e.pos[0])}: invalid YAML: ${e.message.split("\n")[0]}`),
    };
  const nodeAt = (path: DocPath): { range?: [number, number, number] | null } | undefined => {
    for (let n = path.length; n >= 0; n--) {
      const node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true);
      if (node && typeof node === "object" && "range" in (node as object))
        return node as { range?: [number, number, number] };
    }
    return undefined;
  };
  const locate: Locate = (path) => {
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
    return { ok: false, problems: [`${file}:1:1: ${what.notMapping}`] };
  const result = schema.safeParse(raw);
  if (!result.success)
    return {
      ok: false,
      problems: result.error.issues.flatMap((issue) =>
        describeIssue(issue, schema, what.root, locate, keyAt),
      ),
    };
  return { ok: true, value: result.data, locate };
}

function describeIssue(
  issue: ZodIssue,
  schema: zod.ZodType,
  root: string,
  locate: Locate,
  keyAt: (p: DocPath, k: string) => string,
): string[] {
  const path = issue.path.filter((p): p is string | number => typeof p !== "symbol");
  if (issue.code === "unrecognized_keys") {
    const valid = knownKeysIn(schema, path);
    return issue.keys.map((key) => {
      const hint = nearest(key, valid);
      return `${keyAt(path, key)}: unknown field '${key}' in ${fieldName(path, root)}${hint ? ` (did you mean '${hint}'?)` : ""}`;
    });
  }
  if (issue.code === "invalid_union") {
    // Report the branch that got furthest (deepest path) instead of "invalid input".
    const branches = (issue as unknown as { errors: ZodIssue[][] }).errors ?? [];
    const deepest = branches.flat().sort((a, b) => b.path.length - a.path.length)[0];
    if (deepest && deepest.path.length > 0)
      return describeIssue(
        { ...deepest, path: [...issue.path, ...deepest.path] } as ZodIssue,
        schema,
        root,
        locate,
        keyAt,
      );
  }
  return [`${locate(path)}: ${fieldName(path, root)}: ${issue.message}`];
}

/** Field names valid at an object path of a document validated by `schema` (for "did you mean" hints). */
export function knownKeysIn(schema: zod.ZodType, path: readonly PropertyKey[]): string[] {
  const found = new Set<string>();
  walk(schema as unknown as Node, path, 0, found);
  return [...found];
}

interface Node {
  _zod: { def: Record<string, unknown> & { type: string } };
}

function walk(node: Node, path: readonly PropertyKey[], i: number, out: Set<string>): void {
  const def = node._zod.def;
  switch (def.type) {
    case "optional":
    case "nullable":
    case "default":
    case "readonly":
      walk(def.innerType as Node, path, i, out);
      return;
    case "pipe":
      walk(def.in as Node, path, i, out);
      return;
    case "union":
      for (const o of def.options as Node[]) walk(o, path, i, out);
      return;
    case "object": {
      const shape = def.shape as Record<string, Node>;
      if (i === path.length) {
        for (const k of Object.keys(shape)) out.add(k);
        return;
      }
      const child = shape[String(path[i])];
      if (child) walk(child, path, i + 1, out);
      return;
    }
    case "array":
      if (i < path.length && typeof path[i] === "number") walk(def.element as Node, path, i + 1, out);
      return;
    case "record":
      if (i < path.length) walk(def.valueType as Node, path, i + 1, out);
      return;
    default:
      return;
  }
}
