/**
 * Records keyed by user text (units, block and record names, info keys, options). A plain `{}` inherits
 * `constructor`, `toString`, `__proto__` … from Object.prototype, so `key in obj` or `obj[key]` with such a
 * key finds something the user never wrote (and assigning `__proto__` replaces the prototype). These two
 * helpers look up and store own keys only.
 */

/** An empty record without a prototype: every key, `__proto__` included, is an ordinary own key. */
export function dict<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}

/** The value stored under `key` itself, never one inherited from the prototype chain. */
export function own<T>(rec: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(rec, key) ? rec[key] : undefined;
}
