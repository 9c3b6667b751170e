// Word resolution: quote removal, `$'…'` decoding (done by unbash), and the verdict "known now or only at run time".

import type { ArrayValue, Assignment as AstAssignment, Word as AstWord, HereDocBody, WordPart } from "unbash";
import type { Word } from "../types.ts";
import { childFrame, type Frame, mapEnd, mapOffset, spanFrame } from "./frame.ts";

/** A resolved word plus where it is in the original request. `word` is what goes into an Invocation. */
export interface RWord {
  readonly word: Word;
  readonly pos: number;
  readonly end: number;
  /** The frame the word was parsed in, and its node (absent for words the analysis made up). */
  readonly parent: Frame;
  readonly node: AstWord | undefined;
}

/**
 * The frame a re-parse of the word's value maps through: linear when the value is a verbatim slice of the source
 * (a plain or single-quoted word), otherwise just the word's span. Computed on demand: most words are never re-parsed.
 */
export function payloadFrame(w: RWord): Frame {
  const node = w.node;
  if (node === undefined) return spanFrame(w.pos, w.end);
  const offset = verbatimOffset(node, w.word.value);
  return childFrame(w.parent, node.pos + Math.max(offset, 0), node.pos, node.end, offset >= 0);
}

/** True when the part's value is fixed at parse time. */
function literalPart(part: WordPart): boolean {
  switch (part.type) {
    case "Literal":
    case "SingleQuoted":
    case "AnsiCQuoted":
      return true;
    case "DoubleQuoted":
    case "LocaleString":
      for (const child of part.parts) if (child.type !== "Literal") return false;
      return true;
    default:
      // Globs, expansions, substitutions, brace expansion, extglob.
      return false;
  }
}

/** An unquoted `~` starting the word, or following `=`/`:` in an assignment-like word, is tilde expansion. */
function tildeInAssignmentLike(text: string): boolean {
  const eq = text.indexOf("=");
  if (eq <= 0) return false;
  for (let i = 0; i < eq; i++) {
    const c = text.charCodeAt(i);
    const ident = c === 95 || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (i > 0 && c >= 48 && c <= 57);
    if (!ident) return false;
  }
  for (let i = eq + 1; i < text.length; i++) {
    if (text.charCodeAt(i) === 126 && (i === eq + 1 || text.charCodeAt(i - 1) === 58)) return true;
  }
  return false;
}

/** The offset of a verbatim value inside the word's text, or -1 when quote removal changed it. */
function verbatimOffset(node: AstWord, value: string): number {
  const parts = node.parts;
  const text = node.text;
  if (parts === undefined) return value === text ? 0 : -1;
  if (parts.length !== 1) return -1;
  const part = parts[0]!;
  if (part.type === "SingleQuoted") return 1;
  if (part.type === "DoubleQuoted" && text.length === value.length + 2) return 1;
  if (part.type === "AnsiCQuoted" && text.length === value.length + 3) return 2;
  return -1;
}

export function resolveWord(node: AstWord, frame: Frame): RWord {
  const text = node.text;
  const parts = node.parts;
  let dynamic = false;
  if (parts === undefined) {
    dynamic = text.charCodeAt(0) === 126 /* ~ */;
  } else {
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i]!;
      if (!literalPart(part) || (i === 0 && part.type === "Literal" && part.text.charCodeAt(0) === 126)) {
        dynamic = true;
        break;
      }
    }
  }
  if (!dynamic && text.length > 2 && text.includes("~") && tildeInAssignmentLike(text)) dynamic = true;
  return {
    word: { value: node.value, dynamic, text },
    pos: mapOffset(frame, node.pos),
    end: mapEnd(frame, node.end),
    parent: frame,
    node,
  };
}

function resolveArray(array: ArrayValue, frame: Frame): { value: string; dynamic: boolean } {
  let value = "(";
  let dynamic = false;
  for (let i = 0; i < array.elements.length; i++) {
    const el = resolveWord(array.elements[i]!, frame);
    if (i > 0) value += " ";
    value += el.word.value;
    dynamic ||= el.word.dynamic;
  }
  return { value: value + ")", dynamic };
}

/** The value of an assignment (`NAME=value`), with tilde expansion after `=` and `:` counted as dynamic. */
export function resolveAssignmentValue(node: AstAssignment, frame: Frame): Word {
  const v = node.value;
  if (v.type === "ArrayValue") {
    const { value, dynamic } = resolveArray(v, frame);
    return { value, dynamic, text: node.text.slice(node.text.indexOf("=") + 1) };
  }
  const r = resolveWord(v, frame).word;
  if (r.dynamic || !r.text.includes("~")) return r;
  const t = r.text;
  let dynamic = t.charCodeAt(0) === 126;
  for (let i = 1; !dynamic && i < t.length; i++)
    dynamic = t.charCodeAt(i) === 126 && t.charCodeAt(i - 1) === 58;
  return dynamic ? { value: r.value, dynamic, text: r.text } : r;
}

/** A declaration argument (`export NAME=value`) as an argv word `NAME=value`. */
export function resolveAssignmentWord(node: AstAssignment, frame: Frame): RWord {
  const value = resolveAssignmentValue(node, frame);
  const op = node.append ? "+=" : "=";
  const index = node.index === undefined ? "" : `[${node.index.value}]`;
  const indexDynamic = node.index !== undefined && resolveWord(node.index, frame).word.dynamic;
  const pos = mapOffset(frame, node.pos);
  const end = mapEnd(frame, node.end);
  return {
    word: {
      value: node.name + index + op + value.value,
      dynamic: value.dynamic || indexDynamic,
      text: node.text,
    },
    pos,
    end,
    parent: frame,
    node: undefined,
  };
}

/** The text a here-doc delivers: verbatim when the delimiter is quoted, else with `\$`-style escapes applied. */
export function hereDocValue(body: HereDocBody, quoted: boolean): { value: string; dynamic: boolean } {
  if (quoted) return { value: body.text, dynamic: false };
  const parts = body.parts;
  if (parts === undefined) return { value: body.text, dynamic: false };
  let value = "";
  let dynamic = false;
  for (const part of parts) {
    if (part.type === "Literal") value += part.value;
    else {
      value += part.text;
      dynamic = true;
    }
  }
  return { value, dynamic };
}

/** A word the analysis makes up (xargs' default `echo`, the arguments xargs reads from stdin). */
export function syntheticWord(value: string, dynamic: boolean, at: RWord): RWord {
  return { word: { value, dynamic, text: "" }, pos: at.pos, end: at.end, parent: at.parent, node: undefined };
}

/** The same word, marked dynamic (a `{}` placeholder that find or xargs fills in). */
export function dynamicCopy(w: RWord): RWord {
  return {
    word: { value: w.word.value, dynamic: true, text: w.word.text },
    pos: w.pos,
    end: w.end,
    parent: w.parent,
    node: w.node,
  };
}

/** Basename of the command word after quote removal; null when the name is only known at run time. */
export function programName(w: RWord): string | null {
  if (w.word.dynamic) return null;
  let v = w.word.value;
  let end = v.length;
  while (end > 1 && v.charCodeAt(end - 1) === 47) end--;
  if (end !== v.length) v = v.slice(0, end);
  const slash = v.lastIndexOf("/");
  return slash < 0 || v.length === 1 ? v : v.slice(slash + 1);
}

/** Joins words with spaces (eval, ssh, watch): the frame is exact for one word, the overall span otherwise. */
export function joinWords(words: readonly RWord[]): { code: string; dynamic: boolean; frame: Frame } {
  if (words.length === 1) {
    const w = words[0]!;
    return { code: w.word.value, dynamic: w.word.dynamic, frame: payloadFrame(w) };
  }
  let code = "";
  let dynamic = false;
  for (let i = 0; i < words.length; i++) {
    if (i > 0) code += " ";
    code += words[i]!.word.value;
    dynamic ||= words[i]!.word.dynamic;
  }
  const lo = words.length > 0 ? words[0]!.pos : 0;
  const hi = words.length > 0 ? words[words.length - 1]!.end : 0;
  return { code, dynamic, frame: spanFrame(lo, hi) };
}
