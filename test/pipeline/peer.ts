// The peer guard's public cases (cc-safety-net) compared with Warden's verdicts.
import { join } from "node:path";
import { CORPUS_DIR, evaluateInCorpusContext, readJsonl } from "./corpus.ts";

export interface PeerCase {
  source: string;
  command: string;
  expected: "block" | "allow";
  note: string;
  line: number;
}

export interface Disagreement {
  command: string;
  peer: "block" | "allow";
  warden: "allow" | "ask" | "deny";
  /** Why Warden differs: "warden-right: …", "context: …" (peer setting we do not reproduce) or "gap: …". */
  reason: string;
}

export function peerCases(): PeerCase[] {
  return readJsonl<PeerCase>(join(CORPUS_DIR, "peer-cc-safety-net.jsonl"));
}

export function documentedDisagreements(): Map<string, Disagreement> {
  const list = readJsonl<Disagreement>(join(CORPUS_DIR, "peer-disagreements.jsonl"));
  return new Map(list.map((d) => [d.command, d]));
}

/** Warden "agrees" when it blocks (ask or deny) what the peer blocks and allows what the peer allows. */
export function wardenOn(c: PeerCase): {
  decision: "allow" | "ask" | "deny";
  agrees: boolean;
  rules: string[];
} {
  const { verdict } = evaluateInCorpusContext(c.command);
  const blocked = verdict.decision !== "allow";
  return {
    decision: verdict.decision,
    agrees: blocked === (c.expected === "block"),
    rules: verdict.findings.filter((f) => f.risk === verdict.risk).map((f) => f.rule),
  };
}
