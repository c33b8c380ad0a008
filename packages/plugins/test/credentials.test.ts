import { describe, expect, it } from "vitest";
import { credentialVariable, EnvBroker, MemoryBroker, REDACTED, type CredentialBroker } from "../src/index.js";
import { makePlugin, makeRegistry } from "./fixtures.js";

/** A class-form plugin declaring credentials, that asks its broker for `asks` in setup and echoes values from execute. */
function declaring(asks: string[], seen: Record<string, string> = {}) {
  return makePlugin({
    name: "mail",
    credentials: {
      mail_token: { description: "SMTP token" },
      mail_host: { description: "SMTP host", secret: false },
      mail_footer: { description: "Footer", secret: false, required: false },
      github_token: { description: "A token in its usual variable", env: "GITHUB_TOKEN" },
    },
    async setup(broker: CredentialBroker) {
      for (const key of asks) seen[key] = await broker.get(key);
    },
    async executeAction(_action, params) {
      return { success: true, data: { ...seen, params } };
    },
  });
}

describe("declared credentials", () => {
  it("names the environment variable EnvBroker reads, honouring a declared env", () => {
    expect(credentialVariable("calendar_api_key")).toBe("CORTEX_CALENDAR_API_KEY");
    expect(credentialVariable("github.token")).toBe("CORTEX_GITHUB_TOKEN");
    expect(credentialVariable("token", { env: "GITHUB_TOKEN" })).toBe("GITHUB_TOKEN");
    expect(new EnvBroker().variableName("calendar_api_key")).toBe(credentialVariable("calendar_api_key"));
  });

  it("fails setup with one error listing every missing required key and its variable", async () => {
    const { registry } = makeRegistry({ broker: new EnvBroker({ env: { CORTEX_MAIL_HOST: "smtp.local" } }) });
    registry.register(declaring([]));
    const report = await registry.setupAllPending();
    expect(report.failed).toHaveLength(1);
    const error = report.failed[0]?.error as { code: string; message: string; missing: unknown };
    expect(error.code).toBe("CORTEX_CREDENTIALS_MISSING");
    expect(error.missing).toEqual([
      { key: "mail_token", variable: "CORTEX_MAIL_TOKEN" },
      { key: "github_token", variable: "GITHUB_TOKEN" },
    ]);
    expect(error.message).toContain("mail_token (environment variable CORTEX_MAIL_TOKEN)");
    expect(registry.state("mail")).toBe("failed");
  });

  it("names variables with the registry's EnvBroker prefix", async () => {
    const { registry } = makeRegistry({ broker: new EnvBroker({ prefix: "APP_", env: {} }) });
    registry.register(declaring([]));
    expect(registry.credentials("mail")?.map((c) => [c.key, c.variable, c.secret, c.required])).toEqual([
      ["mail_token", "APP_MAIL_TOKEN", true, true],
      ["mail_host", "APP_MAIL_HOST", false, true],
      ["mail_footer", "APP_MAIL_FOOTER", false, false],
      ["github_token", "GITHUB_TOKEN", true, true],
    ]);
    const { failed } = await registry.setupAllPending();
    expect((failed[0]?.error as { missing: unknown }).missing).toEqual([
      { key: "mail_token", variable: "APP_MAIL_TOKEN" },
      { key: "mail_host", variable: "APP_MAIL_HOST" },
      { key: "github_token", variable: "GITHUB_TOKEN" },
    ]);
  });

  it("hands out declared keys only, reads a declared env, and keeps secret: false values out of redaction", async () => {
    const env = { CORTEX_MAIL_TOKEN: "smtp-s3cret", CORTEX_MAIL_HOST: "smtp.example.org", GITHUB_TOKEN: "ghp_abcdef" };
    const { registry } = makeRegistry({ broker: new EnvBroker({ env }) });
    registry.register(declaring(["mail_token", "mail_host", "github_token"]));
    await registry.setupAllPending();
    await expect(registry.execute("mail", "echo", {})).resolves.toEqual({
      success: true,
      data: { mail_token: REDACTED, mail_host: "smtp.example.org", github_token: REDACTED, params: {} },
    });

    const other = makeRegistry({
      broker: new MemoryBroker({ mail_token: "x-token", mail_host: "h", github_token: "g-token", aws_key: "k" }),
    });
    other.registry.register(declaring(["mail_token", "mail_host", "aws_key"]));
    const { failed } = await other.registry.setupAllPending();
    expect(failed[0]?.error).toMatchObject({
      code: "CORTEX_CREDENTIAL_UNDECLARED",
      message: expect.stringContaining('asked for credential "aws_key"') as unknown,
    });
  });

  it("keeps today's behaviour for plugins that declare none", async () => {
    const seen: Record<string, string> = {};
    const plugin = makePlugin({
      async setup(broker) {
        seen.any = await broker.get("any_key");
      },
    });
    const { registry } = makeRegistry({ broker: new MemoryBroker({ any_key: "v4lue" }) });
    registry.register(plugin);
    expect(registry.credentials("test")).toBeUndefined();
    await expect(registry.setupAllPending()).resolves.toEqual({ ready: ["test"], failed: [] });
    expect(seen).toEqual({ any: "v4lue" });
  });

  it("refuses a malformed declaration at registration", () => {
    const { registry } = makeRegistry();
    const bad = (credentials: unknown) => makePlugin({ credentials } as never);
    expect(() => registry.register(bad([]))).toThrow(expect.objectContaining({ code: "CORTEX_INVALID_PLUGIN" }));
    expect(() => registry.register(bad({ a: { secret: true } }))).toThrow(/description must be a string/);
    expect(() => registry.register(bad({ a: { description: "", required: "yes" } }))).toThrow(/required must be/);
    expect(() => registry.register(bad({ a: { description: "", env: "NOT-A-NAME" } }))).toThrow(/env must be/);
  });
});
