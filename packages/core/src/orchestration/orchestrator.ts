import { randomUUID } from "node:crypto";
import type { HookBus } from "@cortex/hooks";
import { toErrorInfo, withDeadline, type ErrorInfo } from "@cortex/primitives";
import { epochMs, type Checkpoint, type OrchestrationLink, type RunResult, type RunSummary } from "../run/run-state.js";
import {
  mergeRecords,
  type ParallelRecord,
  type ParallelStore,
  type ParallelUpdate,
  type ParallelUpdateResult,
} from "../store/parallel-store.js";
import { ENGINE_DEFAULTS } from "../engine/options.js";
import { pickAgent, routerPrompt } from "./routing.js";
import { checkSpec, ORCHESTRATOR, summarize, type OrchestrationResult, type OrchestrationSpec } from "./spec.js";

/** What the orchestrator needs from the engine. */
export interface OrchestrationHost {
  readonly hooks: HookBus;
  /** Where parallel orchestrations wait: the run store when it can keep them, so any engine can finish one. */
  readonly parallel: ParallelStore;
  hasAgent(id: string): boolean;
  startRun(agentId: string, input: string, link: OrchestrationLink): Promise<RunResult>;
  /** Aborted at the engine's shutdown deadline: a routing rule still deciding then is not waited for. */
  readonly halted: AbortSignal;
}

/** Runs orchestrations and continues them when a paused run inside one is resolved. */
export class Orchestrator {
  constructor(private readonly host: OrchestrationHost) {}

  async start(spec: OrchestrationSpec, input: string): Promise<OrchestrationResult> {
    checkSpec(spec, (id) => this.host.hasAgent(id));
    const link: OrchestrationLink = {
      id: `orch_${randomUUID()}`,
      strategy: spec.strategy,
      next: [],
      startedAt: epochMs(),
      done: [],
    };
    this.host.hooks.emit("orchestrationStarted", { orchestrationId: link.id, strategy: spec.strategy });
    switch (spec.strategy) {
      case "sequential":
        link.next = [...spec.agents];
        return this.#sequence(link, input, ORCHESTRATOR);
      case "parallel":
        return this.#parallelRun(link, spec.agents, spec.concurrency ?? ENGINE_DEFAULTS.parallelConcurrency, input);
      case "router":
        return this.#route(link, spec, input);
    }
  }

  /** Continues the orchestration a resumed run belongs to, once that run has ended (not paused). */
  async resume(link: OrchestrationLink, result: RunResult): Promise<OrchestrationResult | undefined> {
    if (link.strategy === "parallel") {
      if (link.slot === undefined) return undefined;
      const update = await this.host.parallel.updateParallel(link.id, link.slot, { done: summarize(result) });
      return update && this.#parallelOutcome(link, update);
    }
    link.done.push(summarize(result));
    if (result.status === "failed") return this.#finish(link, "failed", { error: result.error! });
    if (link.routing) return this.#routeTo(link, result.output ?? "", summarize(result).agentId);
    return this.#sequence(link, result.output ?? "", summarize(result).agentId);
  }

  /** Notes that a resumed run of a parallel orchestration paused again, so its new checkpoint is the one reported. */
  async paused(link: OrchestrationLink, result: RunResult): Promise<void> {
    if (link.strategy !== "parallel" || link.slot === undefined || result.checkpoint === undefined) return;
    await this.host.parallel.updateParallel(link.id, link.slot, { paused: result.checkpoint });
  }

  /** Starts a run for the orchestration; a run that cannot start is a failed summary, never a rejection. */
  async #run(agentId: string, input: string, link: OrchestrationLink): Promise<RunResult> {
    try {
      return await this.host.startRun(agentId, input, link);
    } catch (error) {
      const usage = { inputTokens: 0, outputTokens: 0 };
      return { runId: "", agentId, status: "failed", error: toErrorInfo(error), steps: 0, usage };
    }
  }

  async #sequence(link: OrchestrationLink, input: string, from: string): Promise<OrchestrationResult> {
    let payload = input;
    let sender = from;
    while (link.next.length > 0) {
      const agentId = link.next.shift()!;
      this.host.hooks.emit("agentHandoff", { orchestrationId: link.id, from: sender, to: agentId, payload });
      const result = await this.#run(agentId, payload, { ...link, next: [...link.next], done: [...link.done] });
      if (result.status === "awaiting_approval")
        return this.#result(link, "awaiting_approval", { checkpoints: [result.checkpoint!] });
      const summary = summarize(result);
      link.done.push(summary);
      if (result.status === "failed") return this.#finish(link, "failed", { error: result.error! });
      payload = result.output ?? "";
      sender = summary.agentId;
    }
    return this.#finish(link, "completed", { output: payload });
  }

  async #route(
    link: OrchestrationLink,
    spec: Extract<OrchestrationSpec, { strategy: "router" }>,
    input: string,
  ): Promise<OrchestrationResult> {
    let chosen: string | undefined;
    let router = ORCHESTRATOR;
    if (typeof spec.route === "function") {
      const { route } = spec;
      try {
        chosen = await withDeadline(
          Promise.resolve().then(() => route(input)),
          { signal: this.host.halted },
        );
      } catch (error) {
        if (this.host.halted.aborted) {
          const message =
            "The orchestration was aborted: the shutdown deadline passed while the routing rule was deciding";
          return this.#finish(link, "failed", { error: { code: "CORTEX_RUN_ABORTED", message } });
        }
        return this.#finish(link, "failed", {
          error: { code: "CORTEX_ROUTING_FAILED", message: `The routing rule threw: ${String(error)}` },
        });
      }
    } else {
      router = spec.route.agent;
      this.host.hooks.emit("agentHandoff", {
        orchestrationId: link.id,
        from: ORCHESTRATOR,
        to: router,
        payload: input,
      });
      const routing = { candidates: [...spec.agents], input };
      const decision = await this.#run(router, routerPrompt(input, spec.agents), {
        ...link,
        done: [...link.done],
        routing,
      });
      if (decision.status === "awaiting_approval")
        return this.#result(link, "awaiting_approval", { checkpoints: [decision.checkpoint!] });
      link.done.push(summarize(decision));
      if (decision.status === "failed") return this.#finish(link, "failed", { error: decision.error! });
      link.routing = routing;
      return this.#routeTo(link, decision.output ?? "", router);
    }
    if (chosen === undefined || !spec.agents.includes(chosen)) {
      const message = `The routing rule did not pick one of ${spec.agents.join(", ")}${chosen === undefined ? "" : ` (it returned "${String(chosen)}")`}`;
      return this.#finish(link, "failed", { error: { code: "CORTEX_ROUTING_FAILED", message } });
    }
    link.next = [chosen];
    return this.#sequence(link, input, router);
  }

  /** Reads the router agent's answer and runs the agent it names with the original input. */
  #routeTo(link: OrchestrationLink, answer: string, router: string): Promise<OrchestrationResult> {
    const { candidates, input } = link.routing!;
    delete link.routing;
    const chosen = pickAgent(answer, candidates);
    if (chosen === undefined) {
      const message = `The router did not pick one of ${candidates.join(", ")} (it said "${answer.slice(0, 200)}")`;
      return Promise.resolve(this.#finish(link, "failed", { error: { code: "CORTEX_ROUTING_FAILED", message } }));
    }
    link.next = [chosen];
    return this.#sequence(link, input, router);
  }

  async #parallelRun(
    link: OrchestrationLink,
    agents: string[],
    concurrency: number,
    input: string,
  ): Promise<OrchestrationResult> {
    await this.host.parallel.createParallel(link.id, agents, link.startedAt);
    const queue = agents.map((agentId, slot) => ({ agentId, slot }));
    // The store's answers may arrive out of order (a remote store): the report merges them all with what this pass saw itself.
    const answers: ParallelRecord[] = [];
    let completed: ParallelUpdateResult | undefined;
    const seen: ParallelRecord = { id: link.id, agents, startedAt: link.startedAt, done: [], paused: [] };
    const worker = async () => {
      for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
        const { agentId, slot } = next;
        this.host.hooks.emit("agentHandoff", {
          orchestrationId: link.id,
          from: ORCHESTRATOR,
          to: agentId,
          payload: input,
        });
        const result = await this.#run(agentId, input, { ...link, next: [], done: [], slot });
        const update: ParallelUpdate =
          result.status === "awaiting_approval" ? { paused: result.checkpoint! } : { done: summarize(result) };
        if ("paused" in update) seen.paused.push({ slot, checkpoint: update.paused });
        else seen.done.push({ slot, summary: update.done });
        const outcome = await this.host.parallel.updateParallel(link.id, slot, update);
        if (outcome?.complete) completed = outcome;
        else if (outcome) answers.push(outcome.record);
      }
    };
    const workers = await Promise.allSettled(Array.from({ length: Math.min(concurrency, agents.length) }, worker));
    const failure = workers.find((w): w is PromiseRejectedResult => w.status === "rejected");
    if (failure) throw failure.reason;
    // Exactly one update completes the orchestration; its record has every slot ended.
    return this.#parallelOutcome(link, completed ?? { record: mergeRecords(seen, ...answers), complete: false });
  }

  #parallelOutcome(link: OrchestrationLink, { record, complete }: ParallelUpdateResult): OrchestrationResult {
    const runs = record.done.map((d) => d.summary);
    if (!complete)
      return this.#result(link, "awaiting_approval", { runs, checkpoints: record.paused.map((p) => p.checkpoint) });
    const failed = runs.filter((s) => s.status === "failed");
    const output = record.done
      .filter((d) => d.summary.status === "completed")
      .map((d) => `[${d.summary.agentId}]\n${d.summary.output ?? ""}`)
      .join("\n\n");
    if (failed.length > 0) {
      const message = `${failed.length} of ${runs.length} agents failed: ${failed.map((s) => `${s.agentId} (${s.error?.code ?? "?"})`).join(", ")}`;
      return this.#finish(link, "failed", { runs, output, error: { code: "CORTEX_ORCHESTRATION_FAILED", message } });
    }
    return this.#finish(link, "completed", { runs, output });
  }

  #finish(
    link: OrchestrationLink,
    status: "completed" | "failed",
    extra: { output?: string; error?: ErrorInfo; runs?: RunSummary[] },
  ): OrchestrationResult {
    this.host.hooks.emit("orchestrationCompleted", {
      orchestrationId: link.id,
      elapsedMs: epochMs() - link.startedAt,
      outcome: status,
    });
    return this.#result(link, status, extra);
  }

  #result(
    link: OrchestrationLink,
    status: OrchestrationResult["status"],
    extra: { output?: string; error?: ErrorInfo; checkpoints?: Checkpoint[]; runs?: RunSummary[] },
  ): OrchestrationResult {
    return {
      orchestrationId: link.id,
      strategy: link.strategy as OrchestrationSpec["strategy"],
      status,
      ...(extra.output !== undefined ? { output: extra.output } : {}),
      ...(extra.error !== undefined ? { error: extra.error } : {}),
      runs: extra.runs ?? [...link.done],
      checkpoints: extra.checkpoints ?? [],
    };
  }
}
