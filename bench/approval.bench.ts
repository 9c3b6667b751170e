// Approval token costs: verifyToken (parse, shape checks, canonical JSON, Ed25519, policy lookup, binding
// and time checks) against a bare crypto.verify of the same bytes in the same run; the request hash; the
// full retry path (files + verify + atomic spend); and one default-strength scrypt unlock.
// `npx tsx bench/approval.bench.ts`
import { generateKeyPairSync, sign, verify } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  defaultApprovalConfig,
  findValidApproval,
  protectPrivateKey,
  rawPublicKey,
  requestApproval,
  requestHash,
  signDecision,
  signingInputForBench,
  signToken,
  type TokenBody,
  unlockedKeyForBench,
  unprotectPrivateKey,
  verifyToken,
} from "./approval-fixtures.ts";
import { fmt, median } from "./stats.ts";

function timePerOp(fn: () => void, ms = 1500): number {
  for (let i = 0; i < 200; i++) fn();
  let runs = 0;
  const start = performance.now();
  while (performance.now() - start < ms) {
    fn();
    runs++;
  }
  return (performance.now() - start) / runs;
}

const { privateKey, publicKey } = generateKeyPairSync("ed25519");
const raw = rawPublicKey(publicKey);
const config = {
  ...defaultApprovalConfig(),
  approvers: { alice: raw, bob: rawPublicKey(generateKeyPairSync("ed25519").publicKey) },
};
const now = Date.now();
const body: TokenBody = {
  v: 1,
  decision: "approve",
  subject: { kind: "request", hash: "3".repeat(64) },
  request: "abcdefghij",
  policy: "4".repeat(64),
  approver: raw,
  iat: now,
  exp: now + 15 * 60_000,
  nonce: "0123456789abcdef0123456789abcdef",
  reason: "checked the plan output",
};
const token = await signToken(body, (d) => sign(null, d, privateKey));
const tokenJson = JSON.stringify(token);
const expectation = { subject: body.subject, policy: body.policy, request: body.request };
const input = signingInputForBench(body);
const sig = Buffer.from(token.sig, "base64");

// Interleave rounds so both measurements see the same machine state.
const bare: number[] = [];
const full: number[] = [];
const fromJson: number[] = [];
for (let round = 0; round < 5; round++) {
  bare.push(timePerOp(() => verify(null, input, publicKey, sig), 400));
  full.push(timePerOp(() => verifyToken(token, expectation, config, now), 400));
  fromJson.push(timePerOp(() => verifyToken(tokenJson, expectation, config, now), 400));
}
const b = median(bare);
const f = median(full);
const j = median(fromJson);
console.log(`bare crypto.verify (Ed25519)          ${fmt(b * 1000, 1)} µs/op`);
console.log(
  `verifyToken (object)                  ${fmt(f * 1000, 1)} µs/op  = ${f.toFixed(4)} ms  (${(f / b).toFixed(2)}× bare verify; target < 0.2 ms)`,
);
console.log(
  `verifyToken (from JSON text)          ${fmt(j * 1000, 1)} µs/op  = ${j.toFixed(4)} ms  (${(j / b).toFixed(2)}× bare verify)`,
);

const request = {
  kind: "command" as const,
  command: "terraform apply -target=module.db -var-file=prod.tfvars",
  cwd: "/home/dev/infra",
  user: "alice",
  agent: { name: "claude-code" },
  env: { AWS_PROFILE: "prod", PATH: "/usr/bin", HOME: "/home/dev", KUBECONFIG: "/home/dev/.kube/config" },
};
const h = timePerOp(() => requestHash(request), 800);
console.log(`requestHash (canonical + SHA-256)     ${fmt(h * 1000, 1)} µs/op`);

// The whole retry path on real files: index lookup, read request + token, verify, atomic spend.
const root = mkdtempSync(join(tmpdir(), "wa-bench-"));
const env = { ...process.env, WARDEN_STATE_DIR: root };
const alice = unlockedKeyForBench("alice", privateKey);
const verdict = {
  decision: "ask" as const,
  risk: "high" as const,
  findings: [],
  forbidden: false,
  parse: "ok" as const,
  diagnostics: [],
  policy: "4".repeat(64),
  reasons: [],
  mode: "normal" as const,
};
const retry: number[] = [];
for (let i = 0; i < 300; i++) {
  const req = { ...request, command: `${request.command} # ${i}` };
  const { id } = requestApproval(req, verdict, { env });
  await signDecision(id, "approve", alice, config, { env });
  const t0 = performance.now();
  const r = findValidApproval(req, verdict, config, { env });
  retry.push(performance.now() - t0);
  if (!r.approved) throw new Error(r.reason);
}
rmSync(root, { recursive: true, force: true });
console.log(
  `findValidApproval + atomic spend      ${median(retry).toFixed(3)} ms/op (median of 300, files + fsync)`,
);

const t0 = performance.now();
const file = protectPrivateKey(privateKey, "alice", "a benchmark passphrase");
const protect = performance.now() - t0;
const t1 = performance.now();
unprotectPrivateKey(file, "a benchmark passphrase");
const unlock = performance.now() - t1;
console.log(
  `scrypt N=2^17 r=8 p=1: protect ${fmt(protect, 0)} ms, unlock ${fmt(unlock, 0)} ms (once per session)`,
);
