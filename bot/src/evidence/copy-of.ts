/**
 * A deep copy of evidence, findings and what is made of them: plain objects,
 * arrays and primitives, as the engine builds them. An object reached twice
 * is copied once and reached twice in the copy (the findings share tasks with
 * the evidence), as with structuredClone — but about seven times faster on
 * this data: it is what each of fifty questions about one snapshot pays for
 * its own copy of the shared reading. Anything that is not a plain object or
 * an array (none today) goes through structuredClone.
 */
export function copyOf<T>(value: T): T {
  return copy(value, new Map()) as T;
}

function copy(x: unknown, seen: Map<object, unknown>): unknown {
  if (typeof x !== 'object' || x === null) return x;
  const done = seen.get(x);
  if (done !== undefined) return done;
  if (Array.isArray(x)) {
    const a: unknown[] = new Array(x.length);
    seen.set(x, a);
    for (let i = 0; i < x.length; i++) a[i] = copy(x[i], seen);
    return a;
  }
  const proto = Object.getPrototypeOf(x) as unknown;
  if (proto !== Object.prototype && proto !== null) {
    const c = structuredClone(x);
    seen.set(x, c);
    return c;
  }
  const o: Record<string, unknown> = {};
  seen.set(x, o);
  for (const k of Object.keys(x)) o[k] = copy((x as Record<string, unknown>)[k], seen);
  return o;
}
