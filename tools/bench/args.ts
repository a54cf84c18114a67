/** Command-line helpers shared by the bench tools. */

/** A bad option: the tool prints it with its help and exits 2. */
export class UsageError extends Error {}

/** An integer option ≥ `min`, or `def` when absent. */
export function int(v: string | undefined, name: string, def: number, min = 0): number {
  if (v === undefined) return def;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`${name} must be an integer ≥ ${min}, got ${v}`);
  return n;
}
