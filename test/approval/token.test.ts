import { generateKeyPairSync, sign } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { commandRequest } from "./helpers.ts";
import {
  type ApprovalConfig,
  type ApprovalToken,
  defaultApprovalConfig,
  rawPublicKey,
  requestHash,
  signToken,
  type TokenBody,
  unlockedKeyForTest,
  verifyToken,
} from "./token-fixtures.ts";

const alice = unlockedKeyForTest("alice");
const bob = unlockedKeyForTest("bob");
const mallory = unlockedKeyForTest("mallory");
const config: ApprovalConfig = {
  ...defaultApprovalConfig(),
  approvers: { alice: alice.publicKey, bob: bob.publicKey },
};
const NOW = 1_700_000_000_000;
const HASH = "1".repeat(64);
const POLICY = "2".repeat(64);

function body(overrides: Partial<TokenBody> = {}): TokenBody {
  return {
    v: 1,
    decision: "approve",
    subject: { kind: "request", hash: HASH },
    request: "abcdefghij",
    policy: POLICY,
    approver: alice.publicKey,
    iat: NOW,
    exp: NOW + 15 * 60_000,
    nonce: "0123456789abcdef0123456789abcdef",
    ...overrides,
  };
}

const expect0 = { subject: { kind: "request" as const, hash: HASH }, policy: POLICY, request: "abcdefghij" };

async function token(overrides: Partial<TokenBody> = {}, signer = alice): Promise<ApprovalToken> {
  return signToken(body(overrides), (d) => signer.sign(d));
}

const hex64 = fc.stringMatching(/^[0-9a-f]{64}$/);
const hex32 = fc.stringMatching(/^[0-9a-f]{32}$/);

type Mutation = [string, (t: ApprovalToken) => ApprovalToken];
const m = (field: string, fn: (t: ApprovalToken) => ApprovalToken): Mutation => [field, fn];

/** Every field the signature binds, each with a generator of a different value. */
const mutations: fc.Arbitrary<Mutation> = fc.oneof(
  hex64
    .filter((h) => h !== HASH)
    .map((h) => m("subject.hash", (t) => ({ ...t, subject: { ...t.subject, hash: h } }))),
  fc.constant(m("subject.kind", (t) => ({ ...t, subject: { ...t.subject, kind: "plan" } }))),
  fc
    .stringMatching(/^[a-z0-9]{6,32}$/)
    .filter((r) => r !== "abcdefghij")
    .map((r) => m("request", (t) => ({ ...t, request: r }))),
  hex64.filter((p) => p !== POLICY).map((p) => m("policy", (t) => ({ ...t, policy: p }))),
  fc.constantFrom(bob.publicKey, mallory.publicKey).map((k) => m("approver", (t) => ({ ...t, approver: k }))),
  fc
    .integer({ min: -1e9, max: 1e9 })
    .filter((d) => d !== 0)
    .map((d) => m("iat", (t) => ({ ...t, iat: t.iat + d }))),
  fc
    .integer({ min: -1e9, max: 1e9 })
    .filter((d) => d !== 0)
    .map((d) => m("exp", (t) => ({ ...t, exp: t.exp + d }))),
  hex32.filter((n) => n !== body().nonce).map((n) => m("nonce", (t) => ({ ...t, nonce: n }))),
  fc.constant(m("decision", (t) => ({ ...t, decision: "deny" }))),
  fc.string({ maxLength: 50 }).map((r) => m("reason", (t) => ({ ...t, reason: `${t.reason ?? ""}${r}x` }))),
  fc.constant(m("reason removed", ({ reason: _r, ...t }) => t as ApprovalToken)),
);

describe("approval tokens", () => {
  it("a correctly signed token for the expected subject verifies", async () => {
    const check = verifyToken(await token(), expect0, config, NOW);
    expect(check.ok).toBe(true);
    if (check.ok) expect(check.names).toEqual(["alice"]);
  });

  it("property: changing any bound field after signing invalidates the token", async () => {
    const good = await token({ reason: "ok" });
    fc.assert(
      fc.property(mutations, ([, mutate]) => {
        const check = verifyToken(mutate(good), expect0, config, NOW);
        expect(check.ok).toBe(false);
        if (!check.ok) expect(["bad-signature", "malformed"]).toContain(check.reason);
      }),
      { numRuns: 500 },
    );
  });

  it("property: a genuine token is rejected when any expected binding differs", async () => {
    const good = await token();
    fc.assert(
      fc.property(
        fc.oneof(
          hex64
            .filter((h) => h !== HASH)
            .map((h) => ({
              e: { ...expect0, subject: { kind: "request" as const, hash: h } },
              r: "wrong-subject",
            })),
          fc.constant({
            e: { ...expect0, subject: { kind: "plan" as const, hash: HASH } },
            r: "wrong-subject",
          }),
          hex64.filter((p) => p !== POLICY).map((p) => ({ e: { ...expect0, policy: p }, r: "wrong-policy" })),
          fc
            .stringMatching(/^[a-z0-9]{6,32}$/)
            .filter((q) => q !== "abcdefghij")
            .map((q) => ({ e: { ...expect0, request: q }, r: "wrong-request" })),
        ),
        ({ e, r }) => {
          const check = verifyToken(good, e, config, NOW);
          expect(check.ok).toBe(false);
          if (!check.ok) expect(check.reason).toBe(r);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("property: any change to the command, cwd, user, agent or a relevant env var changes the request hash", () => {
    const base = commandRequest("terraform apply");
    const h = requestHash(base);
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ minLength: 1 }).map((s) => ({ ...base, command: `${base.command}${s}` })),
          fc.string({ minLength: 1 }).map((s) => ({ ...base, cwd: `${base.cwd}/${s}` })),
          fc.string({ minLength: 1 }).map((s) => ({ ...base, user: `alice${s}` })),
          fc.string({ minLength: 1 }).map((s) => ({ ...base, agent: { name: `claude${s}` } })),
          fc
            .constantFrom("AWS_PROFILE", "KUBECONTEXT", "KUBECONFIG", "CLOUDSDK_CORE_PROJECT", "DATABASE_URL")
            .chain((k) =>
              fc
                .string({ minLength: 1 })
                .map((v) => ({ ...base, env: { ...base.env, [k]: `${base.env?.[k] ?? ""}${v}` } })),
            ),
          fc.array(fc.string(), { minLength: 1, maxLength: 3 }).map((argv) => ({ ...base, argv })),
        ),
        (changed) => {
          expect(requestHash(changed)).not.toBe(h);
        },
      ),
      { numRuns: 300 },
    );
    // Irrelevant environment (PATH, a random variable) does not make an approval unusable.
    expect(requestHash({ ...base, env: { ...base.env, RANDOM_THING: "1", PATH: "/x" } })).toBe(h);
  });

  it("property: arbitrary values are never accepted as tokens", () => {
    fc.assert(
      fc.property(fc.anything(), (v) => {
        expect(verifyToken(v, expect0, config, NOW).ok).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it("rejects a flipped signature bit (forged) and a non-canonical signature encoding", async () => {
    const good = await token();
    const sig = Buffer.from(good.sig, "base64");
    sig[10]! ^= 1;
    expect(verifyToken({ ...good, sig: sig.toString("base64") }, expect0, config, NOW)).toMatchObject({
      ok: false,
      reason: "bad-signature",
    });
    // Same 64 bytes, different spelling: the last character's unused padding bits changed.
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const last = alphabet[alphabet.indexOf(good.sig[85]!) ^ 1]!;
    const respelled = `${good.sig.slice(0, 85)}${last}==`;
    expect(Buffer.from(respelled, "base64").equals(Buffer.from(good.sig, "base64"))).toBe(true);
    expect(verifyToken({ ...good, sig: respelled }, expect0, config, NOW)).toMatchObject({
      ok: false,
      reason: "malformed",
    });
  });

  it("rejects a token signed by one key that names another (wrong key)", async () => {
    const forged = await token({ approver: bob.publicKey }, mallory);
    expect(verifyToken(forged, expect0, config, NOW)).toMatchObject({ ok: false, reason: "bad-signature" });
  });

  it("rejects a genuine token from a key that is not in the policy", async () => {
    const t = await token({ approver: mallory.publicKey }, mallory);
    expect(verifyToken(t, expect0, config, NOW)).toMatchObject({ ok: false, reason: "unknown-approver" });
  });

  it("applies an explicit, small clock-skew tolerance to issue and expiry times", async () => {
    const t = await token();
    const skew = 30_000;
    expect(verifyToken(t, expect0, config, t.exp + skew).ok).toBe(true);
    expect(verifyToken(t, expect0, config, t.exp + skew + 1)).toMatchObject({ ok: false, reason: "expired" });
    expect(verifyToken(t, expect0, config, t.iat - skew).ok).toBe(true);
    expect(verifyToken(t, expect0, config, t.iat - skew - 1)).toMatchObject({
      ok: false,
      reason: "not-yet-valid",
    });
    const strict = { ...config, skewMs: 0 };
    expect(verifyToken(t, expect0, strict, t.exp + 1)).toMatchObject({ ok: false, reason: "expired" });
  });

  it("rejects validity windows longer than the policy allows", async () => {
    const t = await token({ exp: NOW + 48 * 3_600_000 });
    expect(verifyToken(t, expect0, config, NOW)).toMatchObject({ ok: false, reason: "too-long" });
    const backwards = await token({ exp: NOW - 1 });
    expect(verifyToken(backwards, expect0, config, NOW - 10)).toMatchObject({ ok: false });
  });

  it("verification uses Ed25519 public keys given as raw base64, SPKI base64 or PEM in the policy", async () => {
    const { publicKey, privateKey } = generateKeyPairSync("ed25519");
    const raw = rawPublicKey(publicKey);
    const t = await signToken(body({ approver: raw }), (d) => sign(null, d, privateKey));
    for (const spelling of [
      raw,
      publicKey.export({ type: "spki", format: "der" }).toString("base64"),
      publicKey.export({ type: "spki", format: "pem" }).toString(),
    ])
      expect(verifyToken(t, expect0, { ...config, approvers: { dave: spelling } }, NOW).ok).toBe(true);
  });
});
