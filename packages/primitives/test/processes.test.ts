import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { delay, isProcessRunning } from "../src/index.js";

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
    // The shell starts `sleep 0`, prints its pid, then becomes `sleep 30`, which never reaps it.
    const parent = spawn("/bin/sh", ["-c", "sleep 0 & echo $!; exec sleep 30"], {
      stdio: ["ignore", "pipe", "ignore"],
    });
    try {
      const pid = Number(
        await new Promise<string>((resolve) => parent.stdout.once("data", (d: Buffer) => resolve(String(d)))),
      );
      const state = () => readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.charAt(0);
      for (let i = 0; i < 400 && state() !== "Z"; i++) await delay(25);
      expect(state()).toBe("Z");
      expect(() => process.kill(pid, 0)).not.toThrow();
      expect(isProcessRunning(pid)).toBe(false);
    } finally {
      parent.kill("SIGKILL");
    }
  });
});
