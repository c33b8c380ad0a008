import { stringFlag, type Command } from "../command.js";
import { EXIT_OK, UsageError } from "../errors.js";
import { importOptional } from "../optional.js";
import { serviceUrl } from "../service-url.js";
import { text } from "../printer.js";

/** `cortex db migrate`: creates or updates the PostgreSQL store's tables (`@cortex/store-postgres`'s `migrate()`). */
export const dbCommand: Command = {
  name: "db",
  summary: "Create or update the PostgreSQL run store's tables (needs @cortex/store-postgres)",
  usage: "db migrate [--database <url>] [--schema <name>]",
  details:
    "Applies the versioned migrations of @cortex/store-postgres that the database lacks, each in its own\n" +
    "transaction; safe to run again and from several processes at once. The database comes from --database\n" +
    "or CORTEX_DATABASE_URL.",
  options: {
    database: { type: "string", value: "<url>", description: "postgres:// URL (default $CORTEX_DATABASE_URL)" },
    schema: { type: "string", value: "<name>", description: "schema holding the tables (default cortex)" },
  },
  args: { min: 1, max: 1 },
  async run(ctx) {
    if (ctx.positionals[0] !== "migrate") throw new UsageError(`unknown db command "${ctx.positionals[0]}"`, "db");
    const url = serviceUrl(stringFlag(ctx, "database"), ctx.io.env, "CORTEX_DATABASE_URL", "database", "db migrate");
    const { PostgresRunStore } = await importOptional(
      "@cortex/store-postgres",
      "db migrate",
      () => import("@cortex/store-postgres"),
      ctx.io.cwd,
    );
    const schema = stringFlag(ctx, "schema");
    const store = new PostgresRunStore({ connectionString: url, ...(schema ? { schema } : {}) });
    try {
      const report = await store.migrate();
      const applied = report.applied.length === 0 ? "already up to date" : `applied ${report.applied.join(", ")}`;
      ctx.out.line(text`schema ${store.schema} at version ${String(report.version)}: ${applied}`);
      return EXIT_OK;
    } finally {
      await store.close();
    }
  },
};
