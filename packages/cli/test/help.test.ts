import { CALENDAR_CONFIG_KEYS } from "@cortex/plugin-calendar";
import { FILES_CONFIG_KEYS } from "@cortex/plugin-files";
import { MODEL_ENV } from "@cortex/model-openai";
import { describe, expect, it } from "vitest";
import { KNOWN_PLUGIN_KEYS, MODEL_VARIABLES } from "../src/index.js";

describe("help", () => {
  it("names every broker key of the sample plugins", () => {
    const keys = KNOWN_PLUGIN_KEYS.map((k) => k.key).sort();
    expect(keys).toEqual([...Object.values(CALENDAR_CONFIG_KEYS), ...Object.values(FILES_CONFIG_KEYS)].sort());
  });

  it("names every variable the model adapter reads", () => {
    expect(MODEL_VARIABLES.map((v) => v.name).sort()).toEqual(Object.values(MODEL_ENV).sort());
  });
});
