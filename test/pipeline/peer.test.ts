// Conformance with a peer guard's test suite: every case agrees, or its disagreement is documented with a reason.
import { describe, expect, it } from "vitest";
import { documentedDisagreements, peerCases, wardenOn } from "./peer.ts";

const cases = peerCases();
const documented = documentedDisagreements();

describe("peer corpus (cc-safety-net)", () => {
  it("has all 496 cases", () => {
    expect(cases.length).toBe(496);
  });

  for (const c of cases) {
    it(`line ${c.line}: peer ${c.expected} ${JSON.stringify(c.command).slice(0, 90)}`, () => {
      const w = wardenOn(c);
      const doc = documented.get(c.command);
      if (w.agrees) {
        // A documented disagreement that no longer happens must be removed from the list.
        if (doc && doc.peer === c.expected)
          expect.fail(`documented disagreement no longer holds: ${doc.reason}`);
        return;
      }
      expect(
        doc,
        `undocumented disagreement: peer ${c.expected}, warden ${w.decision} (${w.rules.join(", ")}) — ${c.note}`,
      ).toBeDefined();
      expect(doc!.warden).toBe(w.decision);
      expect(doc!.reason.length).toBeGreaterThan(10);
    });
  }
});
