import { describe, expect, it } from "vitest";
import { copyValue } from "../src/json.js";

describe("copyValue", () => {
  it("copies parsed JSON deeply: the copy equals the value and shares no object with it", () => {
    const value = JSON.parse('{"a":1,"b":[{"c":"x"},[2,3]],"d":{"e":null,"f":true}}') as Record<string, unknown>;
    const copy = copyValue(value);
    expect(copy).toEqual(value);
    expect(copy).not.toBe(value);
    expect(copy.b).not.toBe(value.b);
    expect((copy.b as unknown[])[0]).not.toBe((value.b as unknown[])[0]);
    expect(copy.d).not.toBe(value.d);
    ((copy.b as unknown[])[0] as { c: string }).c = "changed";
    expect(((value.b as unknown[])[0] as { c: string }).c).toBe("x");
  });

  it('keeps a "__proto__" key as a key, and drops symbols as structuredClone does', () => {
    const value = JSON.parse('{"__proto__":{"polluted":true},"x":1}') as Record<string, unknown>;
    (value as Record<symbol, unknown>)[Symbol("s")] = 1;
    const copy = copyValue(value);
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect(Object.hasOwn(copy, "__proto__")).toBe(true);
    expect(({} as { polluted?: boolean }).polluted).toBeUndefined();
    expect(Object.getOwnPropertySymbols(copy)).toEqual([]);
    expect(copy).toEqual(structuredClone(value));
  });

  it("hands what is not plain data to structuredClone: dates, maps, class instances", () => {
    class Point {
      constructor(readonly x: number) {}
    }
    const value = { when: new Date(0), map: new Map([["k", { v: 1 }]]), point: new Point(1) };
    const copy = copyValue(value);
    expect(copy.when).toEqual(new Date(0));
    expect(copy.when).not.toBe(value.when);
    expect(copy.map.get("k")).toEqual({ v: 1 });
    expect(copy.map.get("k")).not.toBe(value.map.get("k"));
    expect(copy.point).toEqual(structuredClone(value.point));
  });

  it("ends on deep nesting and on cycles", () => {
    let deep: Record<string, unknown> = { leaf: true };
    for (let i = 0; i < 1_000; i++) deep = { next: deep };
    expect(JSON.stringify(copyValue(deep))).toBe(JSON.stringify(deep));
    const cyclic: Record<string, unknown> = { name: "a" };
    cyclic.self = cyclic;
    const copy = copyValue(cyclic);
    expect(copy).not.toBe(cyclic);
    expect(copy.name).toBe("a");
    expect((copy.self as Record<string, unknown>).name).toBe("a");
  });
});
