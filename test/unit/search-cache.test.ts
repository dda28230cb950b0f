import { describe, expect, it } from "vitest";
import { EngineError } from "../../src/core/errors.js";
import { cacheKey, LruCache } from "../../src/search/cache.js";

describe("LruCache", () => {
  it("computes once per key, evicts the least recently used, and shares concurrent requests", async () => {
    const c = new LruCache<number>(2);
    let calls = 0;
    const make = (v: number) => async () => {
      calls++;
      return v;
    };
    expect(await c.getOrCreate("a", make(1))).toBe(1);
    expect(await c.getOrCreate("a", make(99))).toBe(1);
    expect(await c.getOrCreate("b", make(2))).toBe(2);
    await c.getOrCreate("a", make(99)); // a is now most recent
    expect(await c.getOrCreate("c", make(3))).toBe(3); // evicts b
    expect(c.has("a")).toBe(true);
    expect(c.has("b")).toBe(false);
    expect(calls).toBe(3);
    expect([c.hits, c.misses]).toEqual([2, 3]);
    const [x, y] = await Promise.all([c.getOrCreate("d", make(4)), c.getOrCreate("d", make(5))]);
    expect([x, y]).toEqual([4, 4]);
    expect(calls).toBe(4);
  });

  it("does not cache failures", async () => {
    const c = new LruCache<number>(4);
    await expect(c.getOrCreate("k", async () => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    await Promise.resolve();
    expect(c.has("k")).toBe(false);
    expect(await c.getOrCreate("k", async () => 7)).toBe(7);
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
