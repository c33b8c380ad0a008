import {
  CortexError,
  CredentialMissingError,
  MemoryBroker,
  PluginRegistry,
  silentLogger,
  type CredentialBroker,
} from "@cortex/plugins";
import { describe, expect, it } from "vitest";
import { FakeBroker } from "../src/index.js";
import { NotesPlugin } from "./fixtures/broken-plugin.js";

describe("FakeBroker", () => {
  it("implements CredentialBroker and answers from its values", async () => {
    const broker: CredentialBroker = new FakeBroker({ calendar_api_key: "test-key" });
    await expect(broker.get("calendar_api_key")).resolves.toBe("test-key");
  });

  it("records every key asked for, in order, repeats included, missing ones too", async () => {
    const broker = new FakeBroker({ a: "1", b: "2" });
    await broker.get("b");
    await broker.get("a");
    await broker.get("nope").catch(() => undefined);
    await broker.get("b");
    expect(broker.requestedKeys).toEqual(["b", "a", "nope", "b"]);
    expect(broker.wasRequested("nope")).toBe(true);
    expect(broker.wasRequested("c")).toBe(false);
  });

  it("rejects a missing key with the same coded error as the real brokers", async () => {
    const fake = await new FakeBroker().get("calendar_api_key").catch((e: unknown) => e);
    const real = await new MemoryBroker().get("calendar_api_key").catch((e: unknown) => e);
    expect(fake).toBeInstanceOf(CredentialMissingError);
    expect(fake).toBeInstanceOf(CortexError);
    expect(fake).toMatchObject({
      code: "CORTEX_CREDENTIAL_MISSING",
      key: "calendar_api_key",
      name: "CredentialMissingError",
    });
    expect((fake as CredentialMissingError).code).toBe((real as CredentialMissingError).code);
    expect((fake as Error).message).toContain('credential "calendar_api_key" is missing');
  });

  it("treats an empty value as missing, as the real brokers do", async () => {
    await expect(new FakeBroker({ k: "" }).get("k")).rejects.toMatchObject({ code: "CORTEX_CREDENTIAL_MISSING" });
  });

  it("set and delete change values later (rotation, revocation)", async () => {
    const broker = new FakeBroker({ k: "old" });
    broker.set("k", "new");
    await expect(broker.get("k")).resolves.toBe("new");
    broker.delete("k");
    await expect(broker.get("k")).rejects.toMatchObject({ code: "CORTEX_CREDENTIAL_MISSING" });
  });

  it("copies its values: changing the object given has no effect", async () => {
    const values: Record<string, string> = { k: "v" };
    const broker = new FakeBroker(values);
    values.k = "changed";
    await expect(broker.get("k")).resolves.toBe("v");
  });

  it("asks a fallback broker for keys it lacks, still recording them", async () => {
    const broker = new FakeBroker({ a: "1" }, { fallback: new MemoryBroker({ b: "2" }) });
    await expect(broker.get("a")).resolves.toBe("1");
    await expect(broker.get("b")).resolves.toBe("2");
    await expect(broker.get("c")).rejects.toMatchObject({ code: "CORTEX_CREDENTIAL_MISSING" });
    expect(broker.requestedKeys).toEqual(["a", "b", "c"]);
  });

  it("tells which keys were asked for as settings ({ secret: false }) and passes the option to its fallback", async () => {
    const seen: unknown[] = [];
    const fallback: CredentialBroker = {
      get(key: string, ...rest: unknown[]) {
        seen.push(rest[0]);
        return Promise.resolve(`from-fallback-${key}`);
      },
    };
    const broker = new FakeBroker({ notes_folder: "/srv/notes", notes_token: "t" }, { fallback });
    await broker.get("notes_folder", { secret: false });
    await broker.get("notes_token");
    await broker.get("notes_url", { secret: false });
    await broker.get("notes_key");
    expect(broker.wasRequestedAsSetting("notes_folder")).toBe(true);
    expect(broker.wasRequestedAsSetting("notes_url")).toBe(true);
    expect(broker.wasRequestedAsSetting("notes_token")).toBe(false);
    expect(broker.wasRequestedAsSetting("notes_key")).toBe(false);
    expect(seen).toEqual([{ secret: false }, undefined]);
  });

  it("works as a registry's broker: a plugin missing its credential fails setup with the coded error", async () => {
    const broker = new FakeBroker();
    const registry = new PluginRegistry({ broker, logger: silentLogger });
    registry.register(new NotesPlugin());
    const report = await registry.setupAllPending();
    expect(report.failed[0]?.error).toMatchObject({ code: "CORTEX_CREDENTIAL_MISSING" });
    expect(broker.requestedKeys).toEqual(["notes_token"]);
  });
});
