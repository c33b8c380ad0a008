import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { EngineOptions } from "@cortex/core";
import { stringFlag, type Command, type CommandContext } from "../command.js";
import { CommandFailedError, EXIT_OK, UsageError } from "../errors.js";
import { withHint } from "../hints.js";
import { cliLogger, loadHostPlugins, reportDiscoveryFailures } from "../host.js";
import { importOptional } from "../optional.js";
import { serviceUrl } from "../service-url.js";
import { text } from "../printer.js";
import { runInstructions } from "./run.js";

/** What a `--config` module exports (as `default`): engine options, or a function that makes them. */
type WorkerConfig = Partial<Omit<EngineOptions, "runStore" | "callJournal">>;

async function loadConfig(ctx: CommandContext): Promise<WorkerConfig> {
  const file = stringFlag(ctx, "config");
  if (file === undefined) return {};
  const loaded = (await import(pathToFileURL(resolve(ctx.io.cwd, file)).href)) as { default?: unknown };
  const made: unknown =
    typeof loaded.default === "function" ? await (loaded.default as () => unknown)() : loaded.default;
  if (typeof made !== "object" || made === null)
    throw new UsageError(`--config ${file} exports no engine options`, "worker");
  return made;
}

/** Engine options from the host: the `--config` module's, over the model from the environment and the discovered plugins. */
async function engineOf(ctx: CommandContext): Promise<Omit<EngineOptions, "runStore" | "callJournal">> {
  const config = await loadConfig(ctx);
  const logger = config.logger ?? cliLogger(ctx.err, ctx.verbose);
  let plugins = config.plugins;
  if (plugins === undefined) {
    const host = await loadHostPlugins(ctx.io, { logger });
    reportDiscoveryFailures(ctx.err, host.report);
    plugins = host.registry;
  }
  let model = config.model;
  if (model === undefined) {
    const { isModelConfigured, openAIModelFromEnv } = await import("@cortex/model-openai");
    if (!isModelConfigured(ctx.io.env))
      throw withHint(
        new CommandFailedError(
          "CORTEX_CLI_MODEL_NOT_CONFIGURED",
          "cortex worker needs a model, and CORTEX_MODEL is not set",
        ),
        "set CORTEX_MODEL (and CORTEX_MODEL_API_KEY or CORTEX_MODEL_BASE_URL), or give a model in --config",
      );
    model = openAIModelFromEnv(ctx.io.env);
  }
  const agents = config.agents ?? [{ id: "cli", instructions: runInstructions(new Date()) }];
  return { ...config, model, plugins, agents, logger };
}

/** `cortex worker`: a BullMQ worker that runs the queue's start and resume jobs until Ctrl+C or SIGTERM. */
export const workerCommand: Command = {
  name: "worker",
  summary: "Run queued agent runs and resumes from Redis (needs @cortex/queue-bullmq and @cortex/store-postgres)",
  usage: "worker [--redis <url>] [--database <url>] [--queue <name>] [--concurrency <n>] [--config <module>]",
  details:
    "Takes start and resume jobs from the BullMQ queue on Redis (--redis or CORTEX_REDIS_URL) and runs them\n" +
    "on an engine whose runs and tool-call journal live in PostgreSQL (--database or CORTEX_DATABASE_URL;\n" +
    "run `cortex db migrate` first). The engine is the host's: the plugins of this folder's package.json,\n" +
    "the model set by CORTEX_MODEL…, and agent `cli` — or what the module given by --config exports as\n" +
    "default (engine options, or a function returning them: agents, personas, extensions, model, plugins).\n" +
    "Ctrl+C or SIGTERM stops taking jobs and lets the jobs in hand finish.",
  options: {
    redis: { type: "string", value: "<url>", description: "redis:// URL (default $CORTEX_REDIS_URL)" },
    database: { type: "string", value: "<url>", description: "postgres:// URL (default $CORTEX_DATABASE_URL)" },
    queue: { type: "string", value: "<name>", description: "queue name (default cortex-runs)" },
    schema: { type: "string", value: "<name>", description: "PostgreSQL schema of the store (default cortex)" },
    concurrency: { type: "string", value: "<n>", description: "jobs run at once (default 8)" },
    config: { type: "string", value: "<module>", description: "module whose default export gives the engine options" },
  },
  handlesInterrupt: true,
  args: { min: 0, max: 0 },
  async run(ctx) {
    const redis = serviceUrl(stringFlag(ctx, "redis"), ctx.io.env, "CORTEX_REDIS_URL", "redis", "worker");
    const database = serviceUrl(stringFlag(ctx, "database"), ctx.io.env, "CORTEX_DATABASE_URL", "database", "worker");
    const concurrencyFlag = stringFlag(ctx, "concurrency");
    const concurrency = concurrencyFlag === undefined ? undefined : Number(concurrencyFlag);
    if (concurrency !== undefined && !(Number.isInteger(concurrency) && concurrency >= 1))
      throw new UsageError(`--concurrency must be a whole number ≥ 1; got ${concurrencyFlag}`, "worker");
    const { startWorker } = await importOptional(
      "@cortex/queue-bullmq",
      "worker",
      () => import("@cortex/queue-bullmq"),
      ctx.io.cwd,
    );
    const { PostgresRunStore } = await importOptional(
      "@cortex/store-postgres",
      "worker",
      () => import("@cortex/store-postgres"),
      ctx.io.cwd,
    );
    const schema = stringFlag(ctx, "schema");
    const store = new PostgresRunStore({ connectionString: database, ...(schema ? { schema } : {}) });
    try {
      const engine = await engineOf(ctx);
      const queueName = stringFlag(ctx, "queue");
      const worker = await startWorker({
        connection: redis,
        engine,
        runStore: store,
        ...(queueName ? { queueName } : {}),
        ...(concurrency ? { concurrency } : {}),
        ...(engine.logger ? { logger: engine.logger } : {}),
      });
      ctx.err.line(text`worker taking jobs from queue ${queueName ?? "cortex-runs"}; Ctrl+C stops it`);
      const stop = new Promise<void>((done) => {
        if (ctx.io.signal?.aborted) done();
        ctx.io.signal?.addEventListener("abort", () => done(), { once: true });
        process.once("SIGTERM", () => done());
      });
      await stop;
      ctx.err.line(text`stopping: the jobs in hand finish first`);
      await worker.close();
      return EXIT_OK;
    } finally {
      await store.close();
    }
  },
};
