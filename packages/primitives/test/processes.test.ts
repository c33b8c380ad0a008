import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import { withZombie } from "../../../test-support/zombie.js";
import { isProcessRunning } from "../src/index.js";

describe("isProcessRunning", () => {
  it("is true for this process and false for pids that cannot run", () => {
    expect(isProcessRunning(process.pid)).toBe(true);
    expect(isProcessRunning(0)).toBe(false);
    expect(isProcessRunning(-1)).toBe(false);
    expect(isProcessRunning(1.5)).toBe(false);
    expect(isProcessRunning(2 ** 31)).toBe(false);
  });

  it("is false once a child has exited and been reaped", async () => {
    const child = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: "ignore" });
    await new Promise((resolve) => child.once("spawn", resolve));
    expect(isProcessRunning(child.pid!)).toBe(true);
    child.kill("SIGKILL");
    await new Promise((resolve) => child.once("close", resolve));
    expect(isProcessRunning(child.pid!)).toBe(false);
  });

  it.runIf(process.platform === "linux")("is false for a zombie, which a signal check alone calls alive", async () => {
    await withZombie((pid) => {
      expect(() => process.kill(pid, 0)).not.toThrow();
      expect(isProcessRunning(pid)).toBe(false);
    });
  });
});
