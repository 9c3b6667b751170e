// SQL statement scanning for text handed to database clients (`psql -c`, `mysql -e`, here-docs …).
// Strings and comments are blanked first so `SELECT 'DROP TABLE x'` is a read; each `;`-separated
// statement is judged by its leading keywords and, for DELETE/UPDATE, by whether a WHERE clause narrows it.
import type { Risk } from "../types.ts";

export interface SqlFinding {
  risk: Risk;
  rule: string;
  reason: string;
}

/** Replace string literals, quoted identifiers' contents and comments with spaces (keeping `;` structure). */
export function blankSqlLiterals(sql: string): string {
  let out = "";
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    const next = sql[i + 1];
    if (c === "-" && next === "-") {
      const end = sql.indexOf("\n", i);
      i = end === -1 ? sql.length : end;
      out += " ";
    } else if (c === "/" && next === "*") {
      const end = sql.indexOf("*/", i + 2);
      i = end === -1 ? sql.length : end + 2;
      out += " ";
    } else if (c === "'" || c === '"' || c === "`") {
      let j = i + 1;
      while (j < sql.length) {
        if (sql[j] === "\\" && c !== '"') j += 2;
        else if (sql[j] === c && sql[j + 1] === c) j += 2;
        else if (sql[j] === c) break;
        else j++;
      }
      // Identifiers keep a placeholder word so `DELETE FROM "users"` still names a table.
      out += c === "'" ? " '' " : " ident ";
      i = j + 1;
    } else if (c === "$" && /^\$[A-Za-z_]*\$/.test(sql.slice(i))) {
      const tag = /^\$[A-Za-z_]*\$/.exec(sql.slice(i))![0];
      const end = sql.indexOf(tag, i + tag.length);
      i = end === -1 ? sql.length : end + tag.length;
      out += " $body$ ";
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/** Tokens at parenthesis depth 0 (so a WHERE inside a subquery does not count for the outer statement). */
function topLevelTokens(stmt: string): string[] {
  const out: string[] = [];
  let depth = 0;
  for (const m of stmt.matchAll(/[A-Za-z_][\w.]*|\d+|[()]|[=<>!]+|\S/g)) {
    const t = m[0];
    if (t === "(") depth++;
    else if (t === ")") depth = Math.max(0, depth - 1);
    else if (depth === 0) out.push(t.toUpperCase());
  }
  return out;
}

const CRITICAL_DROPS = new Set([
  "TABLE",
  "DATABASE",
  "SCHEMA",
  "KEYSPACE",
  "OWNED",
  "TABLESPACE",
  "COLLECTION",
  "USER",
  "ROLE",
]);
const READS = new Set([
  "SELECT",
  "SHOW",
  "EXPLAIN",
  "DESCRIBE",
  "DESC",
  "VALUES",
  "TABLE",
  "PRAGMA",
  "HELP",
  "USE",
  "SET",
  "BEGIN",
  "START",
  "COMMIT",
  "ROLLBACK",
  "END",
  "SAVEPOINT",
  "RELEASE",
  "RESET",
  "LISTEN",
  "UNLISTEN",
  "FETCH",
  "DECLARE",
  "CLOSE",
  "PREPARE",
  "DEALLOCATE",
  "CHECKPOINT",
  "ABORT",
  "DETACH",
  "STATUS",
  "WATCH",
]);
const ADDS = new Set([
  "INSERT",
  "CREATE",
  "REPLACE",
  "UPSERT",
  "MERGE",
  "COPY",
  "LOAD",
  "CALL",
  "EXEC",
  "EXECUTE",
  "DO",
  "VACUUM",
  "ANALYZE",
  "REINDEX",
  "CLUSTER",
  "LOCK",
  "REFRESH",
  "COMMENT",
  "NOTIFY",
  "OPTIMIZE",
  "ATTACH",
  "IMPORT",
  "EXPORT",
  "INSTALL",
  "SYSTEM",
  "RENAME",
  "UNDROP",
  "FLUSH",
  "SECURITY",
  "DISCARD",
]);

/** `WHERE 1=1` / `WHERE true` narrow nothing. */
function whereIsTrivial(tokens: readonly string[], at: number): boolean {
  const cond = tokens.slice(at + 1);
  const end = cond.findIndex((t) => ["LIMIT", "RETURNING", "ORDER"].includes(t));
  return /^(TRUE|1|1 = 1|1 <> 0|NOT FALSE)$/.test((end === -1 ? cond : cond.slice(0, end)).join(" "));
}

function tableAfter(tokens: readonly string[], keyword: string): string {
  const i = tokens.indexOf(keyword);
  const name =
    i === -1
      ? undefined
      : tokens
          .slice(i + 1)
          .find(
            (t) => !["ONLY", "IGNORE", "LOW_PRIORITY", "QUICK", "FROM", "TABLE", "IF", "EXISTS"].includes(t),
          );
  return name === undefined || name === "IDENT" ? "the table" : name.toLowerCase();
}

function statementFinding(stmt: string): SqlFinding | undefined {
  const tokens = topLevelTokens(stmt);
  let [first, second] = tokens;
  if (first === undefined) return undefined;
  // `EXPLAIN ANALYZE DELETE …` runs the statement; `WITH x AS (…) DELETE …` is the DELETE.
  if (first === "EXPLAIN" && /\bANALY[SZ]E\b/i.test(stmt)) {
    const inner = tokens.findIndex((t, i) => i > 0 && ["DELETE", "UPDATE", "INSERT", "MERGE"].includes(t));
    if (inner !== -1) return statementFinding(tokens.slice(inner).join(" "));
  }
  if (first === "WITH") {
    const body = tokens.findIndex((t) => ["DELETE", "UPDATE", "INSERT", "MERGE", "SELECT"].includes(t));
    const nested = /\b(DELETE|UPDATE|INSERT)\b/i.exec(stmt);
    if (body !== -1 && tokens[body] !== "SELECT") return statementFinding(tokens.slice(body).join(" "));
    if (nested)
      return {
        risk: "high",
        rule: "sql.cte-write",
        reason: `a WITH query contains ${nested[1]!.toUpperCase()}`,
      };
    return { risk: "low", rule: "sql.read", reason: "reads data" };
  }
  switch (first) {
    case "DROP":
      if (second === "TEMPORARY" || second === "TEMP") second = tokens[2];
      if (CRITICAL_DROPS.has(second ?? ""))
        return {
          risk: "critical",
          rule: `sql.drop-${second!.toLowerCase()}`,
          reason: `DROP ${second} ${tableAfter(tokens, second!)} deletes it and all its data`,
        };
      return {
        risk: "high",
        rule: "sql.drop",
        reason: `DROP ${second ?? ""} removes a database object`.trim(),
      };
    case "TRUNCATE":
      return {
        risk: "critical",
        rule: "sql.truncate",
        reason: `TRUNCATE ${tableAfter(tokens, "TRUNCATE")} deletes every row`,
      };
    case "DELETE": {
      const where = tokens.indexOf("WHERE");
      const table = tableAfter(tokens, "FROM");
      if (where === -1 || whereIsTrivial(tokens, where))
        return {
          risk: "critical",
          rule: "sql.delete-all",
          reason: `DELETE FROM ${table} without a WHERE clause deletes every row`,
        };
      return { risk: "high", rule: "sql.delete", reason: `deletes rows from ${table}` };
    }
    case "UPDATE": {
      const where = tokens.indexOf("WHERE");
      const table = tableAfter(tokens, "UPDATE");
      if (where === -1 || whereIsTrivial(tokens, where))
        return {
          risk: "critical",
          rule: "sql.update-all",
          reason: `UPDATE ${table} without a WHERE clause overwrites every row`,
        };
      return { risk: "high", rule: "sql.update", reason: `changes rows in ${table}` };
    }
    case "ALTER":
      if (tokens.includes("DROP") && second === "TABLE")
        return {
          risk: "critical",
          rule: "sql.alter-drop",
          reason: "ALTER TABLE … DROP removes a column or constraint and its data",
        };
      return {
        risk: "high",
        rule: "sql.alter",
        reason: `ALTER ${second ?? ""} changes the schema or permissions`.trim(),
      };
    case "GRANT":
    case "REVOKE":
      return { risk: "high", rule: "sql.grant", reason: `${first} changes who may access the database` };
    case "SHUTDOWN":
    case "KILL":
      return { risk: "high", rule: "sql.admin", reason: `${first} stops the server or other sessions` };
  }
  if (first === "COPY" && tokens.includes("PROGRAM"))
    return {
      risk: "high",
      rule: "sql.copy-program",
      reason: "COPY … PROGRAM runs a shell command on the database server",
    };
  if (first === "CREATE" && (second === "USER" || second === "ROLE"))
    return { risk: "high", rule: "sql.create-user", reason: `CREATE ${second} adds database credentials` };
  if (first === "SELECT" && tokens.includes("INTO") && !tokens.includes("FROM"))
    return { risk: "medium", rule: "sql.select-into", reason: "SELECT … INTO writes data" };
  if (
    first === "SELECT" &&
    /\bpg_(terminate_backend|cancel_backend|drop_replication_slot|read_file|write_file)\b|\blo_export\b/i.test(
      stmt,
    )
  )
    return { risk: "high", rule: "sql.admin-function", reason: "calls an administrative server function" };
  if (READS.has(first))
    return { risk: "low", rule: "sql.read", reason: "reads data or sets session options" };
  if (ADDS.has(first))
    return {
      risk: "medium",
      rule: `sql.${first.toLowerCase()}`,
      reason: `${first} adds or changes data or schema`,
    };
  return { risk: "medium", rule: "sql.unknown", reason: `\`${first}\` is not a recognised SQL statement` };
}

/** psql / sqlite / duckdb client meta-commands (a line starting with `\` or `.`). */
function metaFinding(line: string): SqlFinding | undefined {
  const t = line.trim();
  if (/^\\(!|o\s*\||g\s*\||gexec|setenv)/.test(t) || /^\\copy\b.*\bprogram\b/i.test(t))
    return {
      risk: "high",
      rule: "sql.meta-shell",
      reason: `\`${t.slice(0, 20)}\` runs a shell command from the database client`,
    };
  if (/^\.(shell|system)\b/.test(t))
    return {
      risk: "high",
      rule: "sql.meta-shell",
      reason: `\`${t.split(/\s/)[0]}\` runs a shell command from the database client`,
    };
  if (/^\.(once|output)\s*\|/.test(t))
    return { risk: "high", rule: "sql.meta-shell", reason: "pipes output to a shell command" };
  if (/^(\\i|\\ir|\\include|\.read|\.import|\.restore|\.load|\\copy)\b/.test(t))
    return {
      risk: "medium",
      rule: "sql.meta-file",
      reason: `\`${t.split(/\s/)[0]}\` reads or loads a file whose content is not checked`,
    };
  if (/^[\\.]/.test(t)) return { risk: "low", rule: "sql.meta", reason: "client meta-command" };
  return undefined;
}

/** Findings for a block of SQL (possibly several statements and client meta-commands). */
export function scanSql(text: string): SqlFinding[] {
  const out: SqlFinding[] = [];
  const sqlLines: string[] = [];
  for (const line of text.split("\n")) {
    const meta = metaFinding(line);
    if (meta) out.push(meta);
    else sqlLines.push(line);
  }
  const blanked = blankSqlLiterals(sqlLines.join("\n"));
  for (const stmt of blanked.split(/;|\\g\b/)) {
    const f = statementFinding(stmt);
    if (f) out.push(f);
  }
  return out;
}
