// The output tap behind `warden exec`'s `end` event: what streams through is forwarded untouched, counted and
// hashed exactly, and only a redacted, bounded head and tail is kept.
import { createHash, randomBytes } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { OutputTap } from "../../src/sandbox/output.ts";

const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");

/** `data` cut at the given points, in order (points may repeat or exceed the length: empty chunks are fine). */
function split(data: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => Math.min(c, data.length)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let from = 0;
  for (const p of [...points, data.length]) {
    out.push(data.subarray(from, p));
    from = p;
  }
  return out;
}

function feed(tap: OutputTap, chunks: Buffer[]): void {
  for (const c of chunks) tap.write(c);
}

// Text the redactor leaves alone (no keywords, no mixed-case runs), with whitespace often enough that no edge
// token is long: so head and tail must be exact byte slices of it.
const plainText = (maxLength: number) =>
  fc
    .array(fc.constantFrom("x", "y", "z", "q", " ", "\n"), { maxLength })
    .map((cs) => Buffer.from(cs.join(""), "utf8"));

describe("OutputTap: counts, hash, forwarding", () => {
  it("bytes and sha256 match the concatenation for any split, and the sink sees every chunk in order", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 9000 }),
        fc.array(fc.nat({ max: 9000 }), { maxLength: 20 }),
        (bytes, cuts) => {
          const data = Buffer.from(bytes);
          const seen: Buffer[] = [];
          const tap = new OutputTap({ sink: (c) => seen.push(Buffer.from(c)) });
          feed(tap, split(data, cuts));
          const d = tap.digest();
          expect(d.bytes).toBe(data.length);
          expect(d.sha256).toBe(sha256(data));
          expect(Buffer.concat(seen).equals(data)).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("passes the sink's backpressure answer through", () => {
    const tap = new OutputTap({ sink: () => false });
    expect(tap.write(Buffer.from("a"))).toBe(false);
    expect(new OutputTap({ sink: () => true }).write(Buffer.from("a"))).toBe(true);
    expect(new OutputTap().write(Buffer.from("a"))).toBe(true);
  });

  it("still accounts for a chunk whose sink threw", () => {
    const tap = new OutputTap({
      sink: () => {
        throw new Error("EPIPE");
      },
    });
    expect(() => tap.write(Buffer.from("hello"))).toThrow("EPIPE");
    expect(tap.digest()).toMatchObject({ bytes: 5, sha256: sha256(Buffer.from("hello")), head: "hello" });
  });

  it("digest can be taken mid-stream and again at the end", () => {
    const tap = new OutputTap();
    tap.write(Buffer.from("abc "));
    expect(tap.digest().sha256).toBe(sha256(Buffer.from("abc ")));
    tap.write(Buffer.from("def"));
    expect(tap.digest()).toMatchObject({ bytes: 7, sha256: sha256(Buffer.from("abc def")), head: "abc def" });
  });

  it("an empty stream has the empty digest and no excerpts", () => {
    expect(new OutputTap().digest()).toEqual({
      bytes: 0,
      sha256: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
      head: "",
      tail: "",
    });
  });
});

describe("OutputTap: head and tail", () => {
  it("head is the first headBytes, tail the last tailBytes after the head, for any sizes and splits", () => {
    fc.assert(
      fc.property(
        plainText(6000),
        fc.array(fc.nat({ max: 6000 }), { maxLength: 12 }),
        fc.nat({ max: 1500 }),
        fc.nat({ max: 1500 }),
        (data, cuts, headBytes, tailBytes) => {
          const tap = new OutputTap({ headBytes, tailBytes });
          feed(tap, split(data, cuts));
          const d = tap.digest();
          const text = data.toString("latin1");
          const tailFrom = Math.max(headBytes, data.length - tailBytes);
          expect(d.head).toBe(text.slice(0, Math.min(data.length, headBytes)));
          expect(d.tail).toBe(text.slice(Math.min(tailFrom, data.length)));
          expect(d.truncated).toBe(data.length > headBytes + tailBytes ? true : undefined);
        },
      ),
      { numRuns: 300 },
    );
  });

  // The default 2 KiB each, with the 1 KiB redaction context on either side of each cut.
  it.each([
    0, 1, 2047, 2048, 2049, 3071, 3072, 3073, 4095, 4096, 4097, 5119, 5120, 5121, 6144, 7169, 100_000,
  ])("sizes around the boundaries: %i bytes", (n) => {
    const data = Buffer.from(
      Array.from({ length: n }, (_, i) => (i % 7 === 6 ? " " : "xyzq"[i % 4])).join(""),
      "latin1",
    );
    const tap = new OutputTap();
    feed(tap, split(data, [1, 2048, 3000, 4096, 65536]));
    const d = tap.digest();
    const text = data.toString("latin1");
    expect(d.head).toBe(text.slice(0, 2048));
    expect(d.tail).toBe(n <= 2048 ? "" : text.slice(Math.max(2048, n - 2048)));
    expect(d.head.length + d.tail.length).toBe(Math.min(n, 4096));
    expect(d.truncated).toBe(n > 4096 ? true : undefined);
  });

  it("never cuts a character in two, whatever the chunking", () => {
    const glyphs = ["a", " ", "é", "€", "𝄞", "中", "\n"];
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...glyphs), { minLength: 1, maxLength: 3000 }),
        fc.array(fc.nat({ max: 12_000 }), { maxLength: 30 }),
        fc.integer({ min: 1, max: 700 }),
        fc.integer({ min: 1, max: 700 }),
        (chars, cuts, headBytes, tailBytes) => {
          const text = chars.join("");
          const data = Buffer.from(text, "utf8");
          const tap = new OutputTap({ headBytes, tailBytes, captureBytes: headBytes });
          feed(tap, split(data, cuts));
          const { head, tail } = tap.digest();
          for (const part of [head, tail, tap.captured().text]) expect(part).not.toContain("\uFFFD");
          expect(text.startsWith(head)).toBe(true);
          expect(text.endsWith(tail)).toBe(true);
          // At most one character (≤ 3 bytes beyond the cut) is given up at each cut.
          expect(Buffer.byteLength(head)).toBeLessThanOrEqual(headBytes);
          expect(Buffer.byteLength(head)).toBeGreaterThan(Math.min(data.length, headBytes) - 4);
          const want = Math.max(0, Math.min(tailBytes, data.length - headBytes));
          expect(Buffer.byteLength(tail)).toBeLessThanOrEqual(want);
          expect(Buffer.byteLength(tail)).toBeGreaterThan(want - 4);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("invalid UTF-8 in the output itself becomes U+FFFD, still valid text", () => {
    const tap = new OutputTap();
    tap.write(Buffer.from([0x61, 0xff, 0xfe, 0x62]));
    expect(tap.digest().head).toBe("a\uFFFD\uFFFDb");
  });
});

describe("OutputTap: redaction", () => {
  const GHP = "ghp_16C7e42F292c6912E7710c838347Ae178B4a";
  const AKIA = "AKIAIOSFODNN7EXAMPLE";
  const filler = (n: number) => "word ".repeat(Math.ceil(n / 5)).slice(0, n);

  function digestOf(text: string, cuts: number[]) {
    const tap = new OutputTap();
    feed(tap, split(Buffer.from(text), cuts));
    return tap.digest();
  }

  function expectClean(excerpt: string, secret: string) {
    // Not the secret, and not a telling piece of it either.
    for (let i = 0; i + 8 <= secret.length; i++) expect(excerpt).not.toContain(secret.slice(i, i + 8));
  }

  it.each([
    ["github token", GHP],
    ["AWS key id", AKIA],
  ])("a %s split across two chunks is redacted in the head", (_name, secret) => {
    const text = `export X=1\ntoken is ${secret} ok\n`;
    const at = text.indexOf(secret) + 7;
    const d = digestOf(text, [at]);
    expectClean(d.head, secret);
    expect(d.head).toMatch(/\[REDACTED:[a-z-]+\]/);
    expect(d.redacted).toBe(1);
  });

  it.each([
    ["github token", GHP],
    ["AWS key id", AKIA],
  ])("a %s split across two chunks is redacted in the tail", (_name, secret) => {
    const text = `${filler(10_000)} ${secret} ${filler(500)}`;
    const at = text.indexOf(secret) + 9;
    const d = digestOf(text, [4096, at, at + 3]);
    expect(d.tail).toContain("[REDACTED:");
    expectClean(d.tail, secret);
    expectClean(d.head, secret);
  });

  it("a secret straddling the head's end or the tail's start is not half kept", () => {
    for (const offset of [-30, -20, -10, -1, 0, 1]) {
      const headEdge = `${filler(2047 + offset)} ${GHP} ${filler(20_000)}`;
      expectClean(digestOf(headEdge, [2048, 2050]).head, GHP);
      const tailEdge = `${filler(20_000)} ${GHP} ${filler(2047 + offset)}`;
      const t = tailEdge.length - 2048 - offset - GHP.length;
      expectClean(digestOf(tailEdge, [t + 5]).tail, GHP);
    }
  });

  it("a secret cut off where the redactor's view ends does not leak when redaction shortened the head", () => {
    // Enough secrets that their placeholders shrink the head's 3 KiB view below 2 KiB, so its far end, where the
    // stream was cut mid-token, falls inside the head.
    const many = `${GHP} `.repeat(74);
    for (const shift of [0, 8, 15, 25]) {
      const text = `${"q".repeat(shift)} ${many}${GHP}${filler(10_000)}`.replace(/^ /, "");
      const d = digestOf(text, [1000, 3000, 3072, 3100]);
      expect(Buffer.byteLength(d.head)).toBeLessThanOrEqual(2048);
      expectClean(d.head, GHP);
    }
  });

  it("the same at the tail's far end", () => {
    const many = ` ${GHP}`.repeat(74);
    for (const shift of [0, 8, 15, 25]) {
      const text = `${filler(10_000)}${GHP}${many} ${"q".repeat(shift)}`;
      const d = digestOf(text, [4096, text.length - 3072, text.length - 100]);
      expectClean(d.tail, GHP);
    }
  });

  it("keeps placeholders whole at a cut", () => {
    for (let pad = 2000; pad < 2060; pad++) {
      const d = digestOf(`${filler(pad)} ${GHP} ${filler(9000)}`, []);
      expect(d.head).not.toMatch(/\[[A-Za-z:-]*$/);
    }
  });
});

describe("OutputTap: capture", () => {
  it("captures up to captureBytes and says when it cut", () => {
    const tap = new OutputTap({ captureBytes: 5 });
    tap.write(Buffer.from("abc"));
    expect(tap.captured()).toEqual({ text: "abc", truncated: false });
    tap.write(Buffer.from("de"));
    expect(tap.captured()).toEqual({ text: "abcde", truncated: false });
    tap.write(Buffer.from("fgh"));
    expect(tap.captured()).toEqual({ text: "abcde", truncated: true });
  });

  it("captures nothing unless asked", () => {
    const tap = new OutputTap();
    tap.write(Buffer.from("abc"));
    expect(tap.captured()).toEqual({ text: "", truncated: true });
  });

  it("copies captured bytes: a producer reusing its buffer does not change them", () => {
    const tap = new OutputTap({ captureBytes: 10 });
    const buf = Buffer.from("abc");
    tap.write(buf);
    buf.write("xyz");
    expect(tap.captured().text).toBe("abc");
    expect(tap.digest().head).toBe("abc");
  });
});

describe("OutputTap: memory", () => {
  it("stays flat while 200 MB stream through in 64 KiB chunks", () => {
    const chunk = randomBytes(64 * 1024);
    const hash = createHash("sha256");
    const tap = new OutputTap({ sink: (c) => hash.update(c) });
    (globalThis as { gc?: () => void }).gc?.();
    const before = process.memoryUsage();
    let peak = 0;
    const n = (200 * 1024 * 1024) / chunk.length;
    for (let i = 0; i < n; i++) {
      chunk.writeUInt32LE(i, 0); // every chunk differs, as real output does
      tap.write(chunk);
      if (i % 256 === 0) peak = Math.max(peak, process.memoryUsage().rss);
    }
    const d = tap.digest();
    const after = process.memoryUsage();
    expect(d.bytes).toBe(200 * 1024 * 1024);
    expect(d.sha256).toBe(hash.digest("hex"));
    expect(Buffer.byteLength(d.head)).toBeLessThanOrEqual(2048);
    expect(Buffer.byteLength(d.tail)).toBeLessThanOrEqual(2048);
    // Keeping even 10% of the stream would add 20 MB; allow the GC its slack but not that.
    const grew = Math.max(peak, after.rss) - before.rss;
    expect(grew).toBeLessThan(24 * 1024 * 1024);
    expect(after.arrayBuffers - before.arrayBuffers).toBeLessThan(4 * 1024 * 1024);
  });
});
