// Database clients and migration tools. SQL handed over on the command line or in a here-doc is read
// statement by statement (sql.ts); a script file or a pipe is not visible, so it asks. Commands that wipe
// a database (DROP, TRUNCATE, unqualified DELETE/UPDATE, FLUSHALL, `migrate reset`, `db:drop` …) are
// refused by default.
import type { Finding, Invocation, Risk, RuleContext } from "../types.ts";
import { assigned, hasOption, operands, optionValues } from "./cli.ts";
import type { RulePack } from "./pack.ts";
import { scanSql } from "./sql.ts";
import { finding } from "./util.ts";

type Verdict = { risk: Risk; rule: string; reason: string };
const v = (risk: Risk, rule: string, reason: string): Verdict => ({
  risk,
  rule: `databases.${rule}`,
  reason,
});

/** Where a client's statements come from. */
interface SqlSources {
  texts: string[];
  /** A script file, a `<` redirect or a pipe: content not visible here. */
  opaque?: string;
  dynamic: boolean;
}

function sqlVerdicts(tool: string, src: SqlSources, interactive: boolean): Verdict[] {
  const out: Verdict[] = [];
  for (const text of src.texts)
    for (const f of scanSql(text))
      out.push({ ...f, rule: `databases.${f.rule.replace(".", "-")}`, reason: `${tool}: ${f.reason}` });
  if (src.dynamic) out.push(v("medium", "dynamic-sql", `${tool} runs SQL that is only known at run time`));
  if (src.opaque)
    out.push(v("medium", "sql-file", `${tool} runs statements from ${src.opaque}, which are not checked`));
  if (out.length === 0)
    out.push(
      interactive
        ? v("medium", "interactive", `${tool} opens an interactive session where anything can be run`)
        : v("low", "read", `${tool} does not run statements`),
    );
  return out;
}

/** Common facts from the invocation: here-doc text, `<` redirects, pipes. */
function stdinSource(inv: Invocation, src: SqlSources): void {
  if (inv.stdinText !== undefined) src.texts.push(inv.stdinText);
  else if (inv.stdin === "pipe") src.opaque ??= "its input (a pipe)";
  else if (inv.stdin === "heredoc" || inv.stdin === "herestring") src.dynamic = true;
  const redirect = inv.redirects.find((r) => r.op === "<" || r.op === "0<");
  if (redirect) src.opaque ??= `the file ${redirect.target.value}`;
}

/** Collect values of `names` from the words, noting dynamic ones. */
function wordValues(
  inv: Invocation,
  names: readonly string[],
  attached: readonly string[],
  src: SqlSources,
): string[] {
  const words = inv.argv.slice(1);
  const out: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (w.value === "--") break;
    let value: { text: string; dynamic: boolean } | undefined;
    for (const n of names) {
      if (w.value === n && words[i + 1])
        value = { text: words[i + 1]!.value, dynamic: words[i + 1]!.dynamic };
      else if (n.startsWith("--") && w.value.startsWith(`${n}=`))
        value = { text: w.value.slice(n.length + 1), dynamic: w.dynamic };
    }
    for (const s of attached)
      if (!value && w.value.startsWith(s) && w.value.length > s.length && !w.value.startsWith("--"))
        value = { text: w.value.slice(s.length), dynamic: w.dynamic };
    if (value) {
      if (value.dynamic) src.dynamic = true;
      else out.push(value.text);
    }
  }
  return out;
}

function classifyPsql(inv: Invocation, list: readonly string[]): Verdict[] {
  if (hasOption(list, ["--version", "--help", "--list"], "lV", "cfdhpUvPoLFRT"))
    return [v("low", "read", "psql lists databases or prints its version")];
  const src: SqlSources = { texts: [], dynamic: false };
  src.texts.push(...wordValues(inv, ["-c", "--command"], ["-c"], src));
  const files = optionValues(list, ["-f", "--file"], ["-f"]);
  for (const f of files) if (f !== "-") src.opaque ??= `the file ${f}`;
  stdinSource(inv, src);
  return sqlVerdicts("psql", src, true);
}

function classifyMysql(inv: Invocation, list: readonly string[]): Verdict[] {
  if (hasOption(list, ["--version", "--help"], "V", "eDhPupS"))
    return [v("low", "read", "prints version or help")];
  const src: SqlSources = { texts: [], dynamic: false };
  src.texts.push(...wordValues(inv, ["-e", "--execute"], ["-e"], src));
  for (const f of optionValues(list, ["--init-command"])) src.texts.push(f);
  stdinSource(inv, src);
  return sqlVerdicts(inv.program ?? "mysql", src, true);
}

/** sqlite3 / duckdb: `tool [options] DBFILE [SQL …]`; `-cmd`/`-c` add statements. */
function classifyEmbedded(inv: Invocation, list: readonly string[]): Verdict[] {
  const tool = inv.program ?? "sqlite3";
  if (hasOption(list, ["-version", "--version", "-help", "--help"]))
    return [v("low", "read", "prints version or help")];
  const src: SqlSources = { texts: [], dynamic: false };
  src.texts.push(...wordValues(inv, ["-cmd", "--cmd", "-c", "-s"], [], src));
  const ops = operands(list, {
    values: [
      "-cmd",
      "--cmd",
      "-c",
      "-s",
      "-init",
      "-separator",
      "-nullvalue",
      "-newline",
      "-escape",
      "-pagecache",
      "-lookaside",
      "-mmap",
      "-heap",
      "-maxsize",
      "-vfs",
      "-zip",
    ],
  });
  const words = inv.argv.slice(1);
  for (const o of ops.slice(1)) {
    if (words[o.at]?.dynamic) src.dynamic = true;
    else src.texts.push(o.value);
  }
  const init = optionValues(list, ["-init"]);
  if (init.length > 0) src.opaque = `the file ${init[0]}`;
  stdinSource(inv, src);
  return sqlVerdicts(tool, src, true);
}

function classifyQueryFlag(
  inv: Invocation,
  list: readonly string[],
  names: string[],
  attached: string[],
  fileFlags: string[],
): Verdict[] {
  const tool = inv.program ?? "client";
  if (hasOption(list, ["--version", "--help"])) return [v("low", "read", "prints version or help")];
  const src: SqlSources = { texts: [], dynamic: false };
  src.texts.push(...wordValues(inv, names, attached, src));
  const files = optionValues(list, fileFlags);
  if (files.length > 0) src.opaque = `the file ${files[0]}`;
  stdinSource(inv, src);
  return sqlVerdicts(tool, src, true);
}

/** MongoDB shell JavaScript: the calls that wipe or change data. */
export function scanMongo(js: string): Verdict[] {
  const out: Verdict[] = [];
  const text = js.replace(/\s+/g, "");
  if (/\.dropDatabase\(/.test(text))
    out.push(v("critical", "mongo-drop-database", "db.dropDatabase() deletes the whole database"));
  if (/\.drop\(\)/.test(text) || /getCollection\([^)]*\)\.drop\(/.test(text))
    out.push(v("critical", "mongo-drop-collection", ".drop() deletes a whole collection"));
  if (/\.(deleteMany|remove)\((\{\})?\)/.test(text) || /\.(deleteMany|remove)\(\{\},/.test(text))
    out.push(v("critical", "mongo-delete-all", "deleteMany({}) deletes every document"));
  else if (/\.(deleteMany|deleteOne|remove|findOneAndDelete|findAndModify|bulkWrite)\(/.test(text))
    out.push(v("high", "mongo-delete", "deletes documents"));
  if (
    /\.(updateMany|replaceOne|updateOne|findOneAndUpdate|findOneAndReplace|update)\(\{\}/.test(text) &&
    /updateMany|update\(/.test(text)
  )
    out.push(v("critical", "mongo-update-all", "updateMany({}) rewrites every document"));
  else if (
    /\.(updateMany|updateOne|replaceOne|findOneAndUpdate|findOneAndReplace|update|renameCollection)\(/.test(
      text,
    )
  )
    out.push(v("high", "mongo-update", "changes documents"));
  if (/\.(dropAllUsers|dropAllRoles)\(/.test(text))
    out.push(v("critical", "mongo-drop-users", "deletes every user or role"));
  else if (
    /\.(dropUser|dropRole|createUser|createRole|grantRolesToUser|revokeRolesFromUser|updateUser|changeUserPassword)\(/.test(
      text,
    )
  )
    out.push(v("high", "mongo-users", "changes database users or roles"));
  if (/\.(dropIndex|dropIndexes)\(/.test(text)) out.push(v("high", "mongo-drop-index", "drops indexes"));
  if (/shutdown|\.(adminCommand|runCommand)\(/.test(text))
    out.push(v("high", "mongo-admin", "runs an administrative command"));
  if (/\.(insertOne|insertMany|insert|createCollection|createIndex|createIndexes)\(|\$out|\$merge/.test(text))
    out.push(v("medium", "mongo-write", "adds documents, collections or indexes"));
  if (
    out.length === 0 &&
    /\.(find|findOne|count|countDocuments|estimatedDocumentCount|aggregate|distinct|getCollectionNames|getCollectionInfos|stats|getIndexes|listCollections|serverStatus|version|hello|isMaster|ping)\(|^(show|use)/.test(
      text,
    )
  )
    out.push(v("low", "mongo-read", "reads data"));
  if (out.length === 0 && text !== "")
    out.push(v("medium", "mongo-unknown", "runs JavaScript that is not recognised"));
  return out;
}

function classifyMongosh(inv: Invocation, list: readonly string[]): Verdict[] {
  if (hasOption(list, ["--version", "--help", "--build-info"], "h", "uphf"))
    return [v("low", "read", "prints version or help")];
  const src: SqlSources = { texts: [], dynamic: false };
  const evals = wordValues(inv, ["--eval"], [], src);
  const out: Verdict[] = evals.flatMap((js) => scanMongo(js));
  if (inv.stdinText !== undefined) out.push(...scanMongo(inv.stdinText));
  const files = operands(list, {
    values: [
      "--eval",
      "-u",
      "--username",
      "-p",
      "--password",
      "--host",
      "--port",
      "--authenticationDatabase",
      "--authenticationMechanism",
      "-f",
      "--file",
      "--tlsCAFile",
      "--tlsCertificateKeyFile",
    ],
  })
    .map((o) => o.value)
    .filter((x) => x.endsWith(".js"));
  files.push(...optionValues(list, ["-f", "--file"]));
  if (files.length > 0)
    out.push(v("medium", "mongo-script", `runs the script ${files[0]}, which is not checked`));
  if (src.dynamic) out.push(v("medium", "dynamic-sql", "runs code that is only known at run time"));
  if (out.length === 0)
    out.push(
      v("medium", "interactive", `${inv.program} opens an interactive shell where anything can be run`),
    );
  return out;
}

const REDIS_VALUES = [
  "-h",
  "-p",
  "-a",
  "-n",
  "-u",
  "-s",
  "-r",
  "-i",
  "-d",
  "-D",
  "--user",
  "--pass",
  "--askpass",
  "--cacert",
  "--cacertdir",
  "--cert",
  "--key",
  "--sni",
  "--tls-ciphers",
  "--tls-ciphersuites",
  "--pattern",
  "--count",
  "--quoted-pattern",
  "--eval",
  "--rdb",
  "--functions-rdb",
  "--pipe-timeout",
  "--memkeys-samples",
  "--cluster-yes",
  "--hotkeys",
  "-e",
  "-3",
  "--resp",
  "--name",
];
const REDIS_READ = new Set([
  "GET",
  "MGET",
  "HGET",
  "HGETALL",
  "HMGET",
  "HKEYS",
  "HVALS",
  "HLEN",
  "HEXISTS",
  "SCAN",
  "SSCAN",
  "HSCAN",
  "ZSCAN",
  "INFO",
  "PING",
  "TTL",
  "PTTL",
  "TYPE",
  "EXISTS",
  "LRANGE",
  "LLEN",
  "LINDEX",
  "SMEMBERS",
  "SCARD",
  "SISMEMBER",
  "ZRANGE",
  "ZREVRANGE",
  "ZSCORE",
  "ZCARD",
  "ZCOUNT",
  "ZRANGEBYSCORE",
  "STRLEN",
  "DBSIZE",
  "MONITOR",
  "SUBSCRIBE",
  "PSUBSCRIBE",
  "CLIENT",
  "SLOWLOG",
  "LATENCY",
  "MEMORY",
  "OBJECT",
  "XRANGE",
  "XLEN",
  "XINFO",
  "XREAD",
  "GETRANGE",
  "BITCOUNT",
  "PFCOUNT",
  "GEOPOS",
  "GEODIST",
  "TIME",
  "ROLE",
  "LASTSAVE",
  "COMMAND",
  "ECHO",
  "DUMP",
  "RANDOMKEY",
  "SRANDMEMBER",
  "HELLO",
  "AUTH",
  "SELECT",
  "LOLWUT",
  "READONLY",
  "QUIT",
]);

function classifyRedisCommand(words: readonly string[]): Verdict {
  const cmd = (words[0] ?? "").toUpperCase();
  const sub = (words[1] ?? "").toUpperCase();
  if (cmd === "FLUSHALL" || cmd === "FLUSHDB")
    return v(
      "critical",
      "redis-flush",
      `${cmd} deletes every key${cmd === "FLUSHALL" ? " in every database" : " in the database"}`,
    );
  if (cmd === "SHUTDOWN") return v("high", "redis-shutdown", "SHUTDOWN stops the Redis server");
  if (cmd === "DEL" || cmd === "UNLINK" || cmd === "GETDEL")
    return v("high", "redis-del", `deletes keys ${words.slice(1, 4).join(" ")}`);
  if (cmd === "KEYS")
    return v("medium", "redis-keys", "KEYS scans every key and blocks the server while it does");
  if (cmd === "CONFIG")
    return sub === "GET"
      ? v("low", "read", "reads configuration")
      : v("high", "redis-config", `CONFIG ${sub} changes the server configuration`);
  if (
    [
      "DEBUG",
      "SLAVEOF",
      "REPLICAOF",
      "MIGRATE",
      "FAILOVER",
      "RESTORE",
      "SWAPDB",
      "MODULE",
      "ACL",
      "BGREWRITEAOF",
      "SAVE",
      "BGSAVE",
    ].includes(cmd)
  )
    return cmd === "ACL" && ["LIST", "WHOAMI", "CAT", "GETUSER", "USERS", "LOG"].includes(sub)
      ? v("low", "read", "reads ACLs")
      : v("high", "redis-admin", `${cmd} is an administrative command that can lose or expose data`);
  if ((cmd === "SCRIPT" || cmd === "FUNCTION") && sub === "FLUSH")
    return v("high", "redis-script-flush", `${cmd} FLUSH deletes stored scripts`);
  if (cmd === "CLIENT" && sub === "KILL") return v("high", "redis-admin", "CLIENT KILL disconnects clients");
  if (REDIS_READ.has(cmd)) return v("low", "read", `${cmd} only reads`);
  return v("medium", "redis-write", `${cmd} changes data`);
}

function classifyRedis(inv: Invocation, list: readonly string[]): Verdict[] {
  if (
    hasOption(
      list,
      [
        "--version",
        "--help",
        "--scan",
        "--bigkeys",
        "--memkeys",
        "--stat",
        "--latency",
        "--latency-history",
        "--latency-dist",
        "--hotkeys",
      ],
      "v",
    )
  )
    return [v("low", "read", "redis-cli reads statistics")];
  if (hasOption(list, ["--rdb", "--functions-rdb"]))
    return [v("low", "read", "redis-cli dumps the database to a file")];
  const words = operands(list, { values: REDIS_VALUES });
  if (inv.argv.slice(1)[words[0]?.at ?? -1]?.dynamic)
    return [v("medium", "dynamic-sql", "the Redis command is only known at run time")];
  if (words.length > 0) return [classifyRedisCommand(words.map((w) => w.value))];
  if (hasOption(list, ["--eval"]))
    return [v("medium", "redis-eval", "runs a Lua script that is not checked")];
  if (inv.stdinText !== undefined) {
    const lines = inv.stdinText.split("\n").filter((l) => l.trim() !== "");
    const found = lines.map((l) => classifyRedisCommand(l.trim().split(/\s+/)));
    if (found.length > 0) return found;
  }
  if (inv.stdin === "pipe" || hasOption(list, ["--pipe"]))
    return [v("medium", "redis-pipe", "redis-cli runs commands from its input, which are not checked")];
  return [v("medium", "interactive", "redis-cli opens an interactive session where anything can be run")];
}

/** Tools whose subcommands map to fixed risks: [pattern over the joined operands, risk, rule, reason]. */
type Table = [RegExp, Risk, string, string][];

const PRISMA: Table = [
  [
    /^migrate reset/,
    "critical",
    "prisma-migrate-reset",
    "prisma migrate reset drops the database and re-applies migrations",
  ],
  [
    /^db push\b.*(--force-reset)/,
    "critical",
    "prisma-force-reset",
    "prisma db push --force-reset drops all data",
  ],
  [
    /^db push\b.*(--accept-data-loss)/,
    "critical",
    "prisma-data-loss",
    "prisma db push --accept-data-loss applies changes that delete data",
  ],
  [/^db push/, "medium", "prisma-db-push", "prisma db push changes the database schema"],
  [/^db execute/, "medium", "prisma-db-execute", "prisma db execute runs SQL that is not checked"],
  [
    /^(migrate (dev|deploy|resolve)|db (seed|pull))/,
    "medium",
    "prisma-migrate",
    "changes the database schema or data",
  ],
  [
    /^(generate|format|validate|version|init|studio|migrate (status|diff)|debug|-v|--version|--help|help)?(\s|$)/,
    "low",
    "read",
    "prisma tooling that does not change data",
  ],
];
const DRIZZLE: Table = [
  [
    /^push\b.*--force/,
    "critical",
    "drizzle-push-force",
    "drizzle-kit push --force applies data-losing changes without asking",
  ],
  [/^(push|migrate)/, "medium", "drizzle-push", "changes the database schema"],
  [/^drop/, "medium", "drizzle-drop", "drizzle-kit drop deletes a migration file"],
  [
    /^(generate|studio|check|up|introspect|pull|export)?(\s|$)/,
    "low",
    "read",
    "drizzle tooling that does not change data",
  ],
];
const SUPABASE: Table = [
  [/^db reset/, "critical", "supabase-db-reset", "supabase db reset wipes the database"],
  [
    /^(projects|branches|functions|secrets|storage) (delete|rm|unset)/,
    "high",
    "supabase-delete",
    "deletes Supabase resources",
  ],
  [
    /^stop\b.*--no-backup/,
    "high",
    "supabase-stop-no-backup",
    "supabase stop --no-backup discards local data",
  ],
  [/^migration repair/, "high", "supabase-migration-repair", "rewrites the migration history table"],
  [
    /^(db (dump|diff|lint)|status|projects list|migration list|gen|inspect|--version|help)?(\s|$)/,
    "low",
    "read",
    "reads Supabase state",
  ],
];
const RAILS: Table = [
  [
    /\bdb:(drop|reset|purge|truncate_all|schema:load|structure:load|migrate:reset)\b/,
    "critical",
    "rails-db-wipe",
    "wipes or reloads the database, deleting its data",
  ],
  [
    /\bdb:(rollback|migrate:down|migrate:redo|setup)\b/,
    "high",
    "rails-db-rollback",
    "rolls back migrations or reloads the schema, which can drop tables",
  ],
  [
    /\b(credentials:show|credentials:edit)\b/,
    "high",
    "rails-credentials",
    "reveals or edits encrypted credentials",
  ],
  [/^(runner|r)\b/, "high", "rails-runner", "rails runner executes Ruby code that is not checked"],
  [
    /\bdb:(migrate|seed|create|prepare|fixtures:load|seed:replant)\b|^(console|c|dbconsole|db|server|s)\b/,
    "medium",
    "rails-db",
    "changes the database or opens a console",
  ],
  [
    /^(generate|g|destroy|d|routes|test|t|about|stats|notes|--version|-v|new|assets:precompile|tmp:clear|log:clear|db:version|db:migrate:status|middleware|secret|initializers|zeitwerk:check|help|--help|-h)?(\s|$)/,
    "low",
    "read",
    "development task that does not touch data",
  ],
];
const MANAGE_PY: Table = [
  [
    /^(flush|reset_db|reset_schema|drop_test_database|sqlflush --execute)\b/,
    "critical",
    "django-flush",
    "deletes all data from the database",
  ],
  [
    /^migrate\s+\S+\s+zero\b/,
    "critical",
    "django-migrate-zero",
    "unapplies every migration of the app, dropping its tables",
  ],
  [
    /^migrate\s+\S+\s+\S+/,
    "high",
    "django-migrate-back",
    "migrating to an earlier state can drop tables or columns",
  ],
  [
    /^(shell|shell_plus|dbshell|runscript|createsuperuser|changepassword|loaddata|migrate|runserver|collectstatic|sqlsequencereset)\b/,
    "medium",
    "django-manage",
    "changes the database or runs code",
  ],
  [
    /^(check|test|makemigrations|showmigrations|sqlmigrate|sqlflush|dumpdata|inspectdb|help|diffsettings|version|--help|--version|show_urls|validate_templates|compilemessages|makemessages)?(\s|$)/,
    "low",
    "read",
    "development task that does not change data",
  ],
];
const KNEX: Table = [
  [
    /^migrate:rollback\b.*--all/,
    "critical",
    "knex-rollback-all",
    "rolls back every migration, dropping the schema",
  ],
  [
    /^migrate:(rollback|down|unlock)/,
    "high",
    "knex-rollback",
    "rolls back migrations, which can drop tables",
  ],
  [/^(migrate:(latest|up)|seed:run)/, "medium", "knex-migrate", "changes the database"],
  [
    /^(migrate:(make|list|status|currentVersion)|seed:make|init|--version|--help|help)?(\s|$)/,
    "low",
    "read",
    "knex tooling that does not change data",
  ],
];
const SEQUELIZE: Table = [
  [
    /^db:(drop)|^db:migrate:undo:all|^db:seed:undo:all/,
    "critical",
    "sequelize-wipe",
    "drops the database or undoes every migration",
  ],
  [/^db:(migrate:undo|seed:undo)/, "high", "sequelize-undo", "undoes migrations or seeds, deleting data"],
  [/^db:(migrate|seed|create)/, "medium", "sequelize-migrate", "changes the database"],
  [
    /^(migration:(generate|create)|model:(generate|create)|seed:(generate|create)|init|--version|--help|help|db:migrate:status)?(\s|$)/,
    "low",
    "read",
    "sequelize tooling that does not change data",
  ],
];
const TYPEORM: Table = [
  [/^schema:drop/, "critical", "typeorm-schema-drop", "drops every table in the database"],
  [
    /^(schema:sync|migration:revert)/,
    "high",
    "typeorm-sync",
    "can drop tables or columns to match the entities",
  ],
  [/^(migration:run|query)/, "medium", "typeorm-migrate", "changes the database"],
  [
    /^(migration:(generate|create|show)|schema:log|entity:create|subscriber:create|cache:clear|version|init|--help|help)?(\s|$)/,
    "low",
    "read",
    "typeorm tooling that does not change data",
  ],
];
const FLYWAY: Table = [
  [/\bclean\b/, "critical", "flyway-clean", "flyway clean drops every object in the schemas"],
  [/\b(undo|repair|baseline)\b/, "high", "flyway-undo", "rewrites migration history or undoes migrations"],
  [/\bmigrate\b/, "medium", "flyway-migrate", "applies migrations"],
  [/^(info|validate|version|help|check)?(\s|$)/, "low", "read", "reads migration state"],
];
const LIQUIBASE: Table = [
  [/\b(drop-?all|dropAll)\b/i, "critical", "liquibase-drop-all", "drops every object in the database"],
  [/\brollback/i, "high", "liquibase-rollback", "rolls back changes, which can drop tables"],
  [
    /\b(update|changelog-sync|mark-next-changeset-ran|execute-sql)(\s|$)/i,
    "medium",
    "liquibase-update",
    "changes the database",
  ],
  [
    /^(status|history|validate|diff|generate-changelog|update-sql|snapshot|version|--version|help)?(\s|$)/i,
    "low",
    "read",
    "reads database state",
  ],
];
const ALEMBIC: Table = [
  [
    /^downgrade\s+base\b/,
    "critical",
    "alembic-downgrade-base",
    "downgrades to an empty schema, dropping every table",
  ],
  [/^downgrade/, "high", "alembic-downgrade", "downgrading can drop tables or columns"],
  [/^(upgrade|stamp|merge)/, "medium", "alembic-upgrade", "changes the database"],
  [
    /^(history|current|heads|branches|show|check|revision|init|list_templates|--help|--version)?(\s|$)/,
    "low",
    "read",
    "reads migration state",
  ],
];

function fromTable(tool: string, table: Table, joined: string): Verdict {
  for (const [re, risk, rule, reason] of table)
    if (re.test(joined)) return v(risk, rule, `${tool}: ${reason}`);
  return v("medium", "unknown-subcommand", `\`${tool} ${joined.split(" ")[0]}\` is not a known command`);
}

/** Risks of the simple command-line database utilities. */
function classifyUtility(program: string, list: readonly string[]): Verdict[] | undefined {
  const ops = operands(list, {
    values: [
      "-h",
      "--host",
      "-p",
      "--port",
      "-U",
      "--username",
      "-u",
      "--user",
      "-d",
      "--dbname",
      "--maintenance-db",
      "-f",
      "--file",
      "-F",
      "--format",
      "-j",
      "--jobs",
      "--db",
      "--collection",
      "-c",
      "--uri",
      "-n",
      "--schema",
      "-t",
      "--table",
      "-T",
      "--tablespace",
      "-E",
      "--encoding",
      "-O",
      "--owner",
      "-l",
      "--locale",
      "--archive",
      "--nsInclude",
      "--nsExclude",
      "--nsFrom",
      "--nsTo",
      "-o",
      "--out",
      "--host",
    ],
  }).map((o) => o.value);
  switch (program) {
    case "dropdb":
      return [v("critical", "dropdb", `dropdb deletes the database ${ops[0] ?? ""} and all its data`.trim())];
    case "dropuser":
      return [v("high", "dropuser", `dropuser deletes the role ${ops[0] ?? ""}`.trim())];
    case "createdb":
    case "createuser":
      return [v("medium", program, `${program} creates a database object`)];
    case "pg_dump":
    case "pg_dumpall":
    case "mysqldump":
    case "mariadb-dump":
    case "mongodump":
    case "mongoexport":
      return [v("low", "dump", `${program} reads the database into a backup`)];
    case "pg_restore":
      if (hasOption(list, ["--clean"], "c", "dfFjhpUnNtTIPLSE"))
        return [v("high", "restore-clean", "pg_restore --clean drops existing objects before restoring")];
      return [v("medium", "restore", "pg_restore loads data into a database")];
    case "mongorestore":
    case "mongoimport":
      if (hasOption(list, ["--drop"]))
        return [v("high", "restore-drop", `${program} --drop deletes each collection before restoring`)];
      return [v("medium", "restore", `${program} loads data into a database`)];
    case "mysqladmin":
    case "mariadb-admin": {
      const cmd = ops[0];
      if (cmd === "drop")
        return [
          v("critical", "mysqladmin-drop", `mysqladmin drop deletes the database ${ops[1] ?? ""}`.trim()),
        ];
      if (cmd === "shutdown" || cmd === "kill" || cmd === "password")
        return [v("high", "mysqladmin-admin", `mysqladmin ${cmd} stops or changes the server`)];
      if (
        cmd === undefined ||
        ["status", "ping", "processlist", "version", "variables", "extended-status"].includes(cmd)
      )
        return [v("low", "read", "reads server status")];
      return [v("medium", "mysqladmin", `mysqladmin ${cmd} changes the server`)];
    }
  }
  return undefined;
}

/**
 * Classify database tooling from plain argv values (program name first). Exported for packs that see
 * these tools behind a runner (`npx prisma …`, `bundle exec rails …`, `python manage.py …`).
 */
export function classifyDatabaseArgs(argv: readonly string[], index: number): Finding[] {
  const program = (argv[0] ?? "").split("/").pop() ?? "";
  const list = argv.slice(1);
  return tableVerdicts(program, list).map((f) => finding(f.risk, f.rule, f.reason, index));
}

const TABLES: Record<string, [string, Table]> = {
  prisma: ["prisma", PRISMA],
  "drizzle-kit": ["drizzle-kit", DRIZZLE],
  supabase: ["supabase", SUPABASE],
  rails: ["rails", RAILS],
  rake: ["rake", RAILS],
  "manage.py": ["manage.py", MANAGE_PY],
  "django-admin": ["django-admin", MANAGE_PY],
  knex: ["knex", KNEX],
  sequelize: ["sequelize", SEQUELIZE],
  "sequelize-cli": ["sequelize", SEQUELIZE],
  typeorm: ["typeorm", TYPEORM],
  "typeorm-ts-node-commonjs": ["typeorm", TYPEORM],
  "typeorm-ts-node-esm": ["typeorm", TYPEORM],
  flyway: ["flyway", FLYWAY],
  liquibase: ["liquibase", LIQUIBASE],
  alembic: ["alembic", ALEMBIC],
};

function tableVerdicts(program: string, list: readonly string[]): Verdict[] {
  const entry = TABLES[program];
  if (entry) {
    const [tool, table] = entry;
    // Options before the first task (`rails -e production db:drop`): keep the operands, plus flags after them.
    const ops = operands(list, {
      values: [
        "-e",
        "--environment",
        "--schema",
        "--config",
        "-c",
        "--knexfile",
        "--env",
        "-d",
        "--dataSource",
        "--settings",
        "--url",
        "-x",
        "--name",
        "-n",
      ],
    }).map((o) => o.value);
    const firstAt = list.indexOf(ops[0] ?? "\0");
    const joined = [
      ...ops,
      ...list.slice(firstAt === -1 ? list.length : firstAt + 1).filter((a) => a.startsWith("-")),
    ].join(" ");
    const out = [fromTable(tool, table, joined)];
    if (tool === "typeorm" && ops[0] === "query" && ops[1])
      out.push(
        ...scanSql(ops[1]).map((f) =>
          v(f.risk, f.rule.replace("sql.", "sql-"), `typeorm query: ${f.reason}`),
        ),
      );
    return out;
  }
  return (
    classifyUtility(program, list) ?? [
      v("medium", "unknown", `\`${program}\` is a database tool this pack does not know`),
    ]
  );
}

export function classifyDatabases(inv: Invocation, _ctx: RuleContext, index: number): Finding[] {
  const list = inv.argv.slice(1).map((w) => w.value);
  const program = inv.program ?? "";
  let out: Verdict[];
  switch (program) {
    case "psql":
      out = classifyPsql(inv, list);
      break;
    case "mysql":
    case "mariadb":
      out = classifyMysql(inv, list);
      break;
    case "sqlite3":
    case "sqlite":
    case "duckdb":
      out = classifyEmbedded(inv, list);
      break;
    case "clickhouse-client":
    case "clickhouse-local":
      out = classifyQueryFlag(inv, list, ["-q", "--query"], [], ["--queries-file"]);
      break;
    case "clickhouse":
      out =
        list[0] === "client" || list[0] === "local"
          ? classifyQueryFlag(inv, list, ["-q", "--query"], [], ["--queries-file"])
          : [v("medium", "clickhouse", `clickhouse ${list[0] ?? ""} runs the server or a tool`.trim())];
      break;
    case "cockroach":
      out =
        list[0] === "sql"
          ? classifyQueryFlag(inv, list, ["-e", "--execute"], [], ["-f", "--file"])
          : [
              v(
                list[0] === "version" ? "low" : "medium",
                "cockroach",
                `cockroach ${list[0] ?? ""} manages the cluster`.trim(),
              ),
            ];
      break;
    case "sqlcmd":
      out = classifyQueryFlag(inv, list, ["-Q", "-q", "--query"], ["-Q", "-q"], ["-i", "--input-file"]);
      break;
    case "cqlsh":
      out = classifyQueryFlag(inv, list, ["-e", "--execute"], [], ["-f", "--file"]);
      break;
    case "bq": {
      const ops = operands(list, {
        values: [
          "--project_id",
          "--location",
          "--format",
          "--dataset_id",
          "--max_rows",
          "-n",
          "--destination_table",
          "--parameter",
          "--api",
        ],
      });
      const sub = ops[0]?.value;
      if (sub === "query")
        out = sqlVerdicts("bq query", { texts: ops.slice(1).map((o) => o.value), dynamic: false }, true);
      else if (sub === "rm")
        out = [
          v(
            "high",
            "bq-rm",
            `bq rm deletes ${
              ops
                .slice(1)
                .map((o) => o.value)
                .join(" ") || "a dataset or table"
            }`,
          ),
        ];
      else if (sub === undefined || ["ls", "show", "head", "version", "help", "wait"].includes(sub))
        out = [v("low", "read", "reads BigQuery metadata")];
      else out = [v("medium", "bq", `bq ${sub} changes BigQuery data`)];
      break;
    }
    case "mongosh":
    case "mongo":
      out = classifyMongosh(inv, list);
      break;
    case "redis-cli":
    case "valkey-cli":
    case "keydb-cli":
      out = classifyRedis(inv, list);
      break;
    default:
      out = tableVerdicts(program, list);
  }
  // DISABLE_DATABASE_ENVIRONMENT_CHECK=1 exists to let destructive tasks run against production.
  if (
    assigned(inv, "DISABLE_DATABASE_ENVIRONMENT_CHECK") !== undefined &&
    out.some((f) => f.risk === "critical" || f.risk === "high")
  )
    out.push(
      v(
        "critical",
        "env-check-disabled",
        "DISABLE_DATABASE_ENVIRONMENT_CHECK lets a destructive task run against production",
      ),
    );
  return out.map((f) => finding(f.risk, f.rule, f.reason, index));
}

export const databasesPack: RulePack = {
  name: "databases",
  programs: [
    "psql",
    "mysql",
    "mariadb",
    "sqlite3",
    "sqlite",
    "duckdb",
    "clickhouse-client",
    "clickhouse-local",
    "clickhouse",
    "cockroach",
    "sqlcmd",
    "cqlsh",
    "bq",
    "mongosh",
    "mongo",
    "redis-cli",
    "valkey-cli",
    "keydb-cli",
    "dropdb",
    "dropuser",
    "createdb",
    "createuser",
    "pg_dump",
    "pg_dumpall",
    "pg_restore",
    "mysqldump",
    "mariadb-dump",
    "mysqladmin",
    "mariadb-admin",
    "mongodump",
    "mongoexport",
    "mongorestore",
    "mongoimport",
    ...Object.keys(TABLES),
  ],
  classify: classifyDatabases,
};
