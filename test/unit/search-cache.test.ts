import { describe, expect, it } from "vitest";
import { EngineError } from "../../src/core/errors.js";
import { cacheKey, LruCache } from "../../src/search/cache.js";

describe("LruCache (sized in bytes)", () => {
  it("computes once per key, evicts the least recently used to stay within its bytes, and shares concurrent requests", async () => {
    const c = new LruCache<number>(250);
    let calls = 0;
    const make = (v: number) => async () => {
      calls++;
      return v;
    };
    expect(await c.getOrCreate("a", 100, make(1))).toBe(1);
    expect(await c.getOrCreate("a", 100, make(99))).toBe(1);
    expect(await c.getOrCreate("b", 100, make(2))).toBe(2);
    await c.getOrCreate("a", 100, make(99)); // a is now most recent
    expect(await c.getOrCreate("c", 100, make(3))).toBe(3); // 300 > 250: evicts b
    expect(c.has("a")).toBe(true);
    expect(c.has("b")).toBe(false);
    expect(c.bytes).toBe(200);
    expect(calls).toBe(3);
    expect([c.hits, c.misses, c.evictions]).toEqual([2, 3, 1]);
    const [x, y] = await Promise.all([c.getOrCreate("d", 50, make(4)), c.getOrCreate("d", 50, make(5))]);
    expect([x, y]).toEqual([4, 4]);
    expect(calls).toBe(4);
    expect(c.bytes).toBe(250);
  });

  it("never holds more than its capacity: a large entry evicts several, one larger than all is not kept", async () => {
    const c = new LruCache<number>(300);
    for (const k of ["a", "b", "c"]) await c.getOrCreate(k, 100, async () => 0);
    await c.getOrCreate("big", 250, async () => 1); // needs 250: evicts a, b and c
    expect([c.has("a"), c.has("b"), c.has("c"), c.has("big")]).toEqual([false, false, false, true]);
    expect(c.bytes).toBe(250);
    let made = 0;
    const huge = async () => {
      made++;
      return 2;
    };
    expect(await c.getOrCreate("huge", 400, huge)).toBe(2);
    expect(await c.getOrCreate("huge", 400, huge)).toBe(2);
    expect(made).toBe(2); // recomputed, never stored
    expect(c.bytes).toBe(0);
    // transient bytes of the computation count while it runs: 100 held + 100 + 150 > 300 evicts first
    await c.getOrCreate("x", 100, async () => 3);
    await c.getOrCreate("y", 100, async () => 4, 150);
    expect([c.has("x"), c.has("y"), c.bytes]).toEqual([false, true, 100]);
  });

  it("does not cache failures", async () => {
    const c = new LruCache<number>(4);
    await expect(c.getOrCreate("k", 1, async () => Promise.reject(new Error("boom")))).rejects.toThrow(
      "boom",
    );
    await Promise.resolve();
    expect(c.has("k")).toBe(false);
    expect(c.bytes).toBe(0);
    expect(await c.getOrCreate("k", 1, async () => 7)).toBe(7);
    expect(() => new LruCache(0)).toThrow(EngineError);
  });

  it("builds order-independent keys from the named parameters only", () => {
    const k1 = cacheKey({ rcut: 4, sigma: 0.3, reg: 1e-6 }, ["sigma", "rcut"]);
    const k2 = cacheKey({ reg: 1e-3, sigma: 0.3, rcut: 4 }, ["rcut", "sigma"]);
    expect(k1).toBe(k2);
    expect(k1).not.toBe(cacheKey({ rcut: 4.000000001, sigma: 0.3 }, ["rcut", "sigma"]));
    expect(() => cacheKey({ rcut: 4 }, ["nmax"])).toThrow(/'nmax'/);
  });
});
