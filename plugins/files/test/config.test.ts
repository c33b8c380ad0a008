import { InvalidOptionsError } from "@cortex/primitives";
import { FakeBroker } from "@cortex/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DEFAULT_LIMITS, DEFAULT_MAX_BYTES, FILES_ACTIONS, FILES_DEFAULTS, FilesPlugin } from "../src/index.js";
import { makeFixture, type Fixture } from "./helpers.js";

let fx: Fixture;
beforeEach(() => {
  fx = makeFixture();
});
afterEach(() => fx.cleanup());

describe("constructor options", () => {
  it.each([
    [{ maxListEntries: 0 }, "maxListEntries"],
    [{ maxSearchResults: -1 }, "maxSearchResults"],
    [{ maxSearchBytes: 1.5 }, "maxSearchBytes"],
    [{ maxListEntries: Number.NaN }, "maxListEntries"],
    [{ maxListEntries: "10" }, "maxListEntries"],
    [{ maxReadBytes: 10 }, "maxReadBytes"],
  ])("refuses %j with CORTEX_INVALID_OPTIONS naming the option", (options, option) => {
    const make = () => new FilesPlugin(options as never);
    expect(make).toThrow(InvalidOptionsError);
    expect(make).toThrow(expect.objectContaining({ code: "CORTEX_INVALID_OPTIONS", option }));
  });

  it("refuses options that are not an object", () => {
    expect(() => new FilesPlugin([] as never)).toThrow(expect.objectContaining({ code: "CORTEX_INVALID_OPTIONS" }));
  });

  it("applies the limits given over the defaults, and the broker's byte limits", async () => {
    const plugin = new FilesPlugin({ maxListEntries: 5, maxSearchBytes: undefined });
    await plugin.setup(new FakeBroker({ files_root: fx.root, files_max_read_bytes: "10" }));
    expect(plugin.limits).toEqual({
      maxListEntries: 5,
      maxSearchResults: FILES_DEFAULTS.maxSearchResults,
      maxSearchBytes: FILES_DEFAULTS.maxSearchBytes,
      maxReadBytes: 10,
      maxWriteBytes: FILES_DEFAULTS.maxWriteBytes,
    });
  });
});

describe("FILES_DEFAULTS", () => {
  it("is where every default comes from, the search schema's included", () => {
    expect(DEFAULT_MAX_BYTES).toBe(FILES_DEFAULTS.maxReadBytes);
    expect(DEFAULT_LIMITS).toEqual({
      maxListEntries: FILES_DEFAULTS.maxListEntries,
      maxSearchResults: FILES_DEFAULTS.maxSearchResults,
      maxSearchBytes: FILES_DEFAULTS.maxSearchBytes,
    });
    const search = FILES_ACTIONS.find((action) => action.name === "search");
    expect(search?.parameters).toMatchObject({
      properties: {
        maxResults: { default: FILES_DEFAULTS.searchResults, maximum: FILES_DEFAULTS.maxSearchResults },
      },
    });
  });
});
