import type { ModelClient, ModelRequest, ModelResponse } from "@cortex/primitives";
import { ScriptExhaustedError } from "./errors.js";

/** What a scripted model is asked: the model request of `@cortex/primitives`. */
export type ScriptedRequest = ModelRequest;

/** A step of a script: an answer, or a function computing one from the request (to echo, throw or hang). */
export type ScriptStep = ModelResponse | ((request: ModelRequest) => ModelResponse | Promise<ModelResponse>);

/**
 * A deterministic `ModelClient`: replays its script in order, one step per
 * `generate` call, and records every request it received. With
 * `{ perRun: true }` each run id gets the script from the start, so many
 * concurrent runs can share one model.
 */
export class ScriptedModel implements ModelClient {
  /** Every request received, in order (messages copied at the time of the call). */
  readonly requests: ModelRequest[] = [];
  readonly #steps: readonly ScriptStep[];
  readonly #perRun: boolean;
  readonly #positions = new Map<string, number>();
  #position = 0;

  /** `steps` is copied; `perRun: true` replays the script from the start for each `runId`. */
  constructor(steps: readonly ScriptStep[], options: { perRun?: boolean } = {}) {
    this.#steps = [...steps];
    this.#perRun = options.perRun ?? false;
  }

  /** How many steps have been used (in per-run mode: by all runs together). */
  get used(): number {
    return this.#position;
  }

  /** How many steps are left (not meaningful in per-run mode). */
  get remaining(): number {
    return Math.max(0, this.#steps.length - this.#position);
  }

  /**
   * Records the request, then answers with the next step (a copy of it, so
   * a caller that mutates the answer cannot change the script). Rejects with
   * `CORTEX_SCRIPT_EXHAUSTED` when the script (of this run, in per-run mode)
   * has no step left.
   */
  async generate(request: ModelRequest): Promise<ModelResponse> {
    this.requests.push({ ...request, messages: structuredClone(request.messages), tools: [...request.tools] });
    let index: number;
    if (this.#perRun) {
      index = this.#positions.get(request.runId) ?? 0;
      this.#positions.set(request.runId, index + 1);
    } else {
      index = this.#position;
    }
    this.#position += 1;
    const step = this.#steps[index];
    if (step === undefined)
      throw new ScriptExhaustedError(this.#steps.length, this.#perRun ? request.runId : undefined);
    return typeof step === "function" ? step(request) : structuredClone(step);
  }
}
