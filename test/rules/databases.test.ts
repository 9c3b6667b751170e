import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { classifyDatabaseArgs } from "../../src/rules/databases.ts";
import { worstRisk } from "../../src/rules/index.ts";
import { scanSql } from "../../src/rules/sql.ts";
import { riskOf, riskOfCommand } from "./argv.ts";

const sqlRisk = (text: string) => worstRisk(scanSql(text).map((f) => ({ ...f })));

describe("SQL scanning", () => {
  it.each([
    ["SELECT 1", "low"],
    ["select * from users where name = 'x; DROP TABLE users'", "low"],
    ["-- DROP TABLE users\nSELECT 1", "low"],
    ["/* TRUNCATE t */ SELECT 1", "low"],
    ["INSERT INTO t VALUES (1)", "medium"],
    ["DELETE FROM users WHERE id = 1", "high"],
    ["UPDATE users SET a = 1 WHERE id = 1", "high"],
    ["ALTER TABLE t ADD c int", "high"],
    ["GRANT SELECT ON t TO bob", "high"],
    ["DELETE FROM users", "critical"],
    ["delete from users where true", "critical"],
    ["UPDATE users SET a = (SELECT b FROM c WHERE c.id = 1)", "critical"],
    ["DROP TABLE users", "critical"],
    ["drop schema public cascade", "critical"],
    ["TRUNCATE logs", "critical"],
    ["SELECT 1; DROP DATABASE app;", "critical"],
    ["WITH d AS (SELECT 1) DELETE FROM t", "critical"],
    ["EXPLAIN ANALYZE DELETE FROM t", "critical"],
    ["CREATE FUNCTION f() RETURNS void AS $$ DROP TABLE t $$ LANGUAGE sql", "medium"],
  ] as const)("%j → %s", (sql, risk) => {
    expect(sqlRisk(sql)).toBe(risk);
  });

  it("a string literal never makes a read dangerous", () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        const literal = `'${s.replace(/'/g, "''").replace(/\\/g, "\\\\")}'`;
        return sqlRisk(`SELECT ${literal}`) === "low";
      }),
      { numRuns: 200 },
    );
  });
});

describe("databases pack", () => {
  it.each([
    [["psql", "-c", "SELECT 1"], "low"],
    [["psql", "-h", "db", "-U", "app", "-c", "DROP TABLE users"], "critical"],
    [["psql", "--command=TRUNCATE t"], "critical"],
    [["psql"], "medium"],
    [["psql", "-f", "x.sql"], "medium"],
    [["mysql", "-u", "root", "-e", "DELETE FROM t WHERE id=1"], "high"],
    [["sqlite3", "app.db", "DROP TABLE t"], "critical"],
    [["sqlite3", "app.db", ".schema"], "low"],
    [["mongosh", "--eval", "db.dropDatabase()"], "critical"],
    [["mongosh", "--eval", "db.c.find({})"], "low"],
    [["redis-cli", "-h", "h", "-n", "2", "FLUSHDB"], "critical"],
    [["redis-cli", "GET", "k"], "low"],
    [["prisma", "migrate", "reset"], "critical"],
    [["prisma", "db", "push", "--force-reset"], "critical"],
    [["prisma", "generate"], "low"],
    [["rails", "db:drop"], "critical"],
    [["rake", "db:migrate"], "medium"],
    [["dropdb", "app"], "critical"],
    [["pg_dump", "app"], "low"],
    [["mongorestore", "--drop", "dump"], "high"],
  ] as const)("%j → %s", (argv, risk) => {
    expect(riskOf(argv)).toBe(risk);
  });

  it("reads SQL from here-docs, and asks about pipes it cannot see", () => {
    expect(riskOf(["psql"], { stdinText: "DELETE FROM users;" })).toBe("critical");
    expect(riskOf(["mysql", "app"], { stdinText: "SELECT 1;" })).toBe("low");
    expect(riskOf(["psql"], { stdin: "pipe" })).toBe("medium");
    expect(riskOf(["redis-cli"], { stdinText: "FLUSHALL\n" })).toBe("critical");
  });

  it("dynamic SQL asks", () => {
    expect(riskOf(["psql", "-c", "$QUERY"])).toBe("medium");
  });

  it("exports a helper for runners (npx prisma, python manage.py)", () => {
    expect(worstRisk(classifyDatabaseArgs(["manage.py", "flush"], 0))).toBe("critical");
    expect(worstRisk(classifyDatabaseArgs(["prisma", "migrate", "reset"], 0))).toBe("critical");
    expect(worstRisk(classifyDatabaseArgs(["prisma", "studio"], 0))).toBe("low");
  });

  it("works end to end through the shell stage", () => {
    expect(riskOfCommand("psql -c 'SELECT 1'")).toBe("low");
    expect(riskOfCommand("psql -c 'DROP TABLE users'")).toBe("critical");
    expect(riskOfCommand("psql <<'EOF'\nTRUNCATE t;\nEOF")).toBe("critical");
  });
});
