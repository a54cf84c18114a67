// One bump allocator over linear memory. The engine allocates everything (weights, biases,
// lookup tables, activation arena) once at prepare time; inference allocates nothing.
const ALIGN: usize = 16;
// Slack after every block so that SIMD loads that run past a tensor's end stay inside memory.
const SLACK: usize = 64;

let top: usize = (__heap_base + ALIGN - 1) & ~(ALIGN - 1);

/** Returns a 16-byte aligned block of `bytes`, growing memory as needed. 0 if memory is exhausted. */
export function alloc(bytes: usize): usize {
  const start = top;
  const end = (start + bytes + SLACK + ALIGN - 1) & ~(ALIGN - 1);
  const have = (<usize>memory.size()) << 16;
  if (end > have) {
    const pages = <i32>((end - have + 0xffff) >> 16);
    if (memory.grow(pages) < 0) return 0;
  }
  top = end;
  return start;
}

/** Marks the current top, so a caller can free everything allocated after it with `release`. */
export function mark(): usize {
  return top;
}

export function release(to: usize): void {
  top = to;
}
