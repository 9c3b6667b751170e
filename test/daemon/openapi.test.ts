// docs/openapi.json is generated from the zod schemas the server validates with: it must be the current
// output of `warden daemon openapi` (regenerate: node dist/warden.js daemon openapi > docs/openapi.json).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { evaluateBody, openApiDocument } from "../../src/daemon/schemas.ts";

describe("OpenAPI document", () => {
  it("docs/openapi.json equals the generated document", () => {
    const committed = JSON.parse(readFileSync(new URL("../../docs/openapi.json", import.meta.url), "utf8"));
    expect(committed).toEqual(openApiDocument(committed.info.version));
  });

  it("describes the body the server accepts (same schema object)", () => {
    const doc = openApiDocument("x") as {
      paths: Record<
        string,
        { post?: { requestBody: { content: Record<string, { schema: { required?: string[] } }> } } }
      >;
    };
    const schema = doc.paths["/v1/evaluate"]!.post!.requestBody.content["application/json"]!.schema;
    expect(schema.required).toEqual(["request"]);
    expect(evaluateBody.safeParse({ request: { kind: "command", command: "ls", cwd: "/" } }).success).toBe(
      true,
    );
    expect(evaluateBody.safeParse({ request: { kind: "command", command: "ls", cwd: "rel" } }).success).toBe(
      false,
    );
  });
});
