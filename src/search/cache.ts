/**
 * A small keyed cache for expensive intermediate results shared between search evaluations — e.g. SOAP
 * features, which depend only on (rcut, σ, nmax, lmax) and not on the regularisation or ζ, so the 15 runs of
 * a k=3 design with ζ as an outer loop need far fewer feature computations than kernel fits.
 *
 * Least-recently-used eviction keeps memory bounded (λ=2 feature blocks can be large). Concurrent requests for
 * the same key share one computation. A failed computation is not cached.
 */
import { EngineError } from "../core/errors.js";

export class LruCache<V> {
  private readonly entries = new Map<string, Promise<V>>();
  hits = 0;
  misses = 0;

  /** @param maxEntries entries kept (≥ 1). */
  constructor(readonly maxEntries: number) {
    if (!Number.isInteger(maxEntries) || maxEntries < 1) {
      throw new EngineError("InvalidParameter", `cache size must be a positive integer, got ${maxEntries}`, {
        field: "maxEntries",
      });
    }
  }

  get size(): number {
    return this.entries.size;
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  /** The cached value for `key`, or the result of `make()` (stored, evicting the least recently used). */
  getOrCreate(key: string, make: () => Promise<V>): Promise<V> {
    const hit = this.entries.get(key);
    if (hit !== undefined) {
      this.hits++;
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit;
    }
    this.misses++;
    const p = make();
    this.entries.set(key, p);
    p.catch(() => {
      if (this.entries.get(key) === p) this.entries.delete(key);
    });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
    return p;
  }

  clear(): void {
    this.entries.clear();
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
