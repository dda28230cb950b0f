/**
 * A small keyed cache for expensive intermediate results shared between search evaluations — e.g. the raw
 * kernels of one (rcut, σ), which do not depend on the regularisation or ζ, so the 15 runs of a k=3 design with
 * ζ as an outer loop need far fewer feature/kernel computations than fits.
 *
 * Sized in bytes (src/core/memory.ts): every entry declares its size before it is computed, and least-recently
 * used entries are evicted until it fits, so the entries held never exceed `maxBytes`. An entry larger than
 * `maxBytes` is computed but not kept (recomputed when asked again). Concurrent requests for the same key share
 * one computation. A failed computation is not cached.
 */
import { EngineError } from "../core/errors.js";

export class LruCache<V> {
  private readonly entries = new Map<string, { value: Promise<V>; bytes: number }>();
  private held = 0;
  hits = 0;
  misses = 0;
  /** Entries dropped to make room, or not kept because they alone exceed the capacity. */
  evictions = 0;

  /** @param maxBytes capacity in bytes (> 0). */
  constructor(readonly maxBytes: number) {
    if (!(maxBytes > 0) || !Number.isFinite(maxBytes)) {
      throw new EngineError(
        "InvalidParameter",
        `cache capacity must be a positive number of bytes, got ${maxBytes}`,
        {
          field: "maxBytes",
        },
      );
    }
  }

  get size(): number {
    return this.entries.size;
  }

  /** Bytes of the entries held. */
  get bytes(): number {
    return this.held;
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  /**
   * The cached value for `key`, or the result of `make()`, whose result takes `bytes` (and whose computation
   * `transient` more while it runs): least recently used entries are evicted first until both fit (before `make`
   * runs), and the result is kept only if it fits at all.
   */
  getOrCreate(key: string, bytes: number, make: () => Promise<V>, transient = 0): Promise<V> {
    const hit = this.entries.get(key);
    if (hit !== undefined) {
      this.hits++;
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit.value;
    }
    this.misses++;
    while (this.entries.size > 0 && this.held + bytes + transient > this.maxBytes) {
      this.drop(this.entries.keys().next().value as string);
      this.evictions++;
    }
    const value = make();
    if (bytes > this.maxBytes) {
      this.evictions++;
      return value;
    }
    const entry = { value, bytes };
    this.entries.set(key, entry);
    this.held += bytes;
    value.catch(() => {
      if (this.entries.get(key) === entry) this.drop(key);
    });
    return value;
  }

  private drop(key: string): void {
    const e = this.entries.get(key);
    if (!e) return;
    this.entries.delete(key);
    this.held -= e.bytes;
  }

  clear(): void {
    this.entries.clear();
    this.held = 0;
  }
}

/** Stable cache key from selected parameters (order-independent; numbers written in full precision). */
export function cacheKey(params: Record<string, number | string>, names: readonly string[]): string {
  return names
    .slice()
    .sort()
    .map((n) => {
      if (!Object.hasOwn(params, n))
        throw new EngineError("InvalidParameter", `cache key needs parameter '${n}'`, { field: n });
      return `${n}=${String(params[n])}`;
    })
    .join(";");
}
