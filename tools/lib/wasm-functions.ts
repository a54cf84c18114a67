import { readFileSync } from 'node:fs';

/** Function bodies' sizes and names of a .wasm file (names from the name section, else exports). */
export function wasmFunctions(path: string): { imports: number; bodies: number[]; names: Map<number, string> } {
  const b = readFileSync(path);
  let p = 8;
  const leb = () => {
    let n = 0;
    let s = 0;
    let x: number;
    do {
      x = b[p++];
      n += (x & 127) * 2 ** s;
      s += 7;
    } while (x & 128);
    return n;
  };
  const str = () => {
    const l = leb();
    const s = b.subarray(p, p + l).toString();
    p += l;
    return s;
  };
  let imports = 0;
  const bodies: number[] = [];
  const names = new Map<number, string>();
  const exported = new Map<number, string>();
  while (p < b.length) {
    const id = b[p++];
    const end = leb() + p;
    if (id === 2) {
      for (let i = leb(); i > 0; i--) {
        str();
        str();
        const kind = b[p++];
        if (kind === 0) {
          imports++;
          leb();
        } else if (kind === 1) {
          p++;
          if (b[p++] & 1) leb();
          leb();
        } else if (kind === 2) {
          if (b[p++] & 1) leb();
          leb();
        } else if (kind === 3) p += 2;
        else throw new Error(`${path}: import kind ${kind}`);
      }
    } else if (id === 7) {
      for (let i = leb(); i > 0; i--) {
        const name = str();
        const kind = b[p++];
        const index = leb();
        if (kind === 0 && !exported.has(index)) exported.set(index, name);
      }
    } else if (id === 10) {
      for (let i = leb(); i > 0; i--) {
        const size = leb();
        bodies.push(size);
        p += size;
      }
    } else if (id === 0 && str() === 'name') {
      while (p < end) {
        const sub = b[p++];
        const subEnd = leb() + p;
        if (sub === 1) for (let i = leb(); i > 0; i--) names.set(leb(), str());
        p = subEnd;
      }
    }
    p = end;
  }
  for (const [i, n] of exported) if (!names.has(i)) names.set(i, n);
  return { imports, bodies, names };
}
