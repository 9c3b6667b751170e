// Position mapping from a parsed text back to the original request.
// The request is parsed once; re-parsed payloads (`bash -c '…'`, escaped backticks, here-doc bodies) are new
// texts whose offsets must be carried back. When the payload is a verbatim slice of the request (a single-quoted
// word, a plain word) the mapping is an offset; when quote removal changed its length it is only the enclosing span.

export interface Frame {
  /** Original offset of the text's position 0 (meaningful when `linear`). */
  readonly base: number;
  /** The original span every mapped offset is clamped to. */
  readonly lo: number;
  readonly hi: number;
  /** True when `base + local` is the original offset; false when only [lo, hi] is known. */
  readonly linear: boolean;
}

export function rootFrame(length: number): Frame {
  return { base: 0, lo: 0, hi: length, linear: true };
}

export function mapOffset(frame: Frame, local: number): number {
  if (!frame.linear) return frame.lo;
  const at = frame.base + local;
  return Math.min(Math.max(at, frame.lo), frame.hi);
}

export function mapEnd(frame: Frame, local: number): number {
  if (!frame.linear) return frame.hi;
  const at = frame.base + local;
  return Math.min(Math.max(at, frame.lo), frame.hi);
}

/**
 * The frame of a text that starts at `local` (in `parent` coordinates) and spans [localLo, localHi).
 * `verbatim` says whether the text is an exact copy of the source from `local` on.
 */
export function childFrame(
  parent: Frame,
  local: number,
  localLo: number,
  localHi: number,
  verbatim: boolean,
): Frame {
  const lo = mapOffset(parent, localLo);
  const hi = mapEnd(parent, localHi);
  if (!parent.linear || !verbatim) return { base: lo, lo, hi, linear: false };
  return { base: parent.base + local, lo, hi, linear: true };
}

/** A frame covering an already-mapped original span with no finer mapping. */
export function spanFrame(lo: number, hi: number): Frame {
  return { base: lo, lo, hi, linear: false };
}
