/**
 * A restricted pickle interpreter: enough of the pickle VM to load what torch.save writes for a
 * state_dict, and nothing that can run code.
 *
 * Why not the pickleparser package: it lets us resolve globals and persistent ids ourselves,
 * but it still dispatches on data from the file — REDUCE calls whatever value is on the stack,
 * BUILD calls `obj.__setstate__` if the pickle has planted one (BUILD with a state dict does
 * Object.assign, so a pickle can set `__setstate__` or `__proto__` on its own objects, including
 * the ones our callbacks return), and INST/OBJ/NEWOBJ Reflect.construct. It also decodes LONG1
 * as unsigned and offers no way to refuse opcodes. Here, instead:
 *  - only the opcodes listed in `run` are accepted (the protocol 2–5 subset torch.save emits,
 *    plus a few harmless structural ones); anything else is an error naming the opcode;
 *  - GLOBAL / STACK_GLOBAL go through `resolveGlobal`, which throws for anything not on the
 *    caller's allowlist, so a disallowed name fails the load at the moment it is named —
 *    before any REDUCE could use it;
 *  - REDUCE only calls PyCallable values, which only `resolveGlobal` can create;
 *  - BUILD is accepted only on dicts and discards the state (torch's OrderedDict carries a
 *    `_metadata` attribute we don't need); nothing is ever assigned onto an object by name;
 *  - dicts are Maps, so keys like "__proto__" are plain data.
 * Memory is bounded by the input: every opcode adds O(1) values or moves existing ones.
 */
import { CheckpointError } from './errors.ts';

/** A Python global the caller has allowed. `call` is present if REDUCE may call it. */
export class PyGlobal {
  constructor(
    readonly module: string,
    readonly name: string,
    readonly call?: (args: readonly unknown[]) => unknown,
  ) {}

  get qualifiedName(): string {
    return `${this.module}.${this.name}`;
  }
}

export interface UnpickleHooks {
  /** Return the allowed global, or throw a CheckpointError. */
  resolveGlobal(module: string, name: string): PyGlobal;
  /** BINPERSID: turn a persistent id (a tuple for torch) into an object, or throw. */
  persistentLoad(pid: unknown): unknown;
}

/**
 * Values produced: null (None), boolean, number (float, or int within ±2^53), bigint (larger
 * ints), string, Uint8Array (bytes), arrays (lists; tuples are frozen arrays), Map (dict), and
 * whatever the hooks return.
 */
export type PyTuple = readonly unknown[];

export function isTuple(v: unknown): v is PyTuple {
  return Array.isArray(v) && Object.isFrozen(v);
}

const OP = {
  MARK: 0x28, // (
  STOP: 0x2e, // .
  POP: 0x30, // 0
  POP_MARK: 0x31, // 1
  DUP: 0x32, // 2
  BINBYTES: 0x42, // B
  SHORT_BINBYTES: 0x43, // C
  BINFLOAT: 0x47, // G
  BININT: 0x4a, // J
  BININT1: 0x4b, // K
  BININT2: 0x4d, // M
  NONE: 0x4e, // N
  BINPERSID: 0x51, // Q
  REDUCE: 0x52, // R
  BINUNICODE: 0x58, // X
  EMPTY_LIST: 0x5d, // ]
  APPEND: 0x61, // a
  BUILD: 0x62, // b
  GLOBAL: 0x63, // c
  DICT: 0x64, // d
  APPENDS: 0x65, // e
  BINGET: 0x68, // h
  LONG_BINGET: 0x6a, // j
  LIST: 0x6c, // l
  BINPUT: 0x71, // q
  LONG_BINPUT: 0x72, // r
  SETITEM: 0x73, // s
  TUPLE: 0x74, // t
  SETITEMS: 0x75, // u
  EMPTY_DICT: 0x7d, // }
  EMPTY_TUPLE: 0x29, // )
  PROTO: 0x80,
  TUPLE1: 0x85,
  TUPLE2: 0x86,
  TUPLE3: 0x87,
  NEWTRUE: 0x88,
  NEWFALSE: 0x89,
  LONG1: 0x8a,
  LONG4: 0x8b,
  SHORT_BINUNICODE: 0x8c,
  BINUNICODE8: 0x8d,
  BINBYTES8: 0x8e,
  STACK_GLOBAL: 0x93,
  MEMOIZE: 0x94,
  FRAME: 0x95,
} as const;

/** Names of opcodes we refuse, so the error says what was found. */
const REFUSED: Record<number, string> = {
  0x69: 'INST',
  0x6f: 'OBJ',
  0x81: 'NEWOBJ',
  0x92: 'NEWOBJ_EX',
  0x82: 'EXT1',
  0x83: 'EXT2',
  0x84: 'EXT4',
  0x50: 'PERSID',
  0x49: 'INT',
  0x4c: 'LONG',
  0x46: 'FLOAT',
  0x53: 'STRING',
  0x54: 'BINSTRING',
  0x55: 'SHORT_BINSTRING',
  0x56: 'UNICODE',
  0x70: 'PUT',
  0x67: 'GET',
  0x8f: 'EMPTY_SET',
  0x90: 'ADDITEMS',
  0x91: 'FROZENSET',
  0x96: 'BYTEARRAY8',
  0x97: 'NEXT_BUFFER',
  0x98: 'READONLY_BUFFER',
};

/** Longest LONG1/LONG4 integer we decode (a state_dict needs at most 8 bytes). */
const MAX_LONG_BYTES = 64;

export function unpickle(bytes: Uint8Array, hooks: UnpickleHooks): unknown {
  return new Machine(bytes, hooks).run();
}

class Machine {
  private pos = 0;
  private stack: unknown[] = [];
  private readonly marks: unknown[][] = [];
  private readonly memo = new Map<number, unknown>();
  private readonly view: DataView;
  private readonly utf8 = new TextDecoder('utf-8');
  private opStart = 0;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly hooks: UnpickleHooks,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  run(): unknown {
    for (;;) {
      this.opStart = this.pos;
      const op = this.u8();
      switch (op) {
        case OP.PROTO: {
          const v = this.u8();
          if (v > 5) throw this.error(`unsupported pickle protocol ${v}`);
          break;
        }
        case OP.FRAME:
          this.take(8); // framing is only a read-ahead hint
          break;
        case OP.STOP: {
          if (this.stack.length === 0) throw this.error('STOP with an empty stack');
          return this.stack.pop();
        }

        // Stack and mark manipulation.
        case OP.MARK:
          this.marks.push(this.stack);
          this.stack = [];
          break;
        case OP.POP:
          this.pop();
          break;
        case OP.POP_MARK:
          this.popMark();
          break;
        case OP.DUP:
          this.push(this.peek());
          break;

        // Memo.
        case OP.BINPUT:
          this.memo.set(this.u8(), this.peek());
          break;
        case OP.LONG_BINPUT:
          this.memo.set(this.u32(), this.peek());
          break;
        case OP.MEMOIZE:
          this.memo.set(this.memo.size, this.peek());
          break;
        case OP.BINGET:
          this.push(this.memoGet(this.u8()));
          break;
        case OP.LONG_BINGET:
          this.push(this.memoGet(this.u32()));
          break;

        // Scalars.
        case OP.NONE:
          this.push(null);
          break;
        case OP.NEWTRUE:
          this.push(true);
          break;
        case OP.NEWFALSE:
          this.push(false);
          break;
        case OP.BININT:
          this.push(this.view.getInt32(this.take(4), true));
          break;
        case OP.BININT1:
          this.push(this.u8());
          break;
        case OP.BININT2:
          this.push(this.view.getUint16(this.take(2), true));
          break;
        case OP.LONG1:
          this.push(this.long(this.u8()));
          break;
        case OP.LONG4:
          this.push(this.long(this.view.getInt32(this.take(4), true)));
          break;
        case OP.BINFLOAT:
          this.push(this.view.getFloat64(this.take(8), false)); // big-endian, per the spec
          break;
        case OP.SHORT_BINUNICODE:
          this.push(this.str(this.u8()));
          break;
        case OP.BINUNICODE:
          this.push(this.str(this.u32()));
          break;
        case OP.BINUNICODE8:
          this.push(this.str(this.u64()));
          break;
        case OP.SHORT_BINBYTES:
          this.push(this.slice(this.u8()).slice());
          break;
        case OP.BINBYTES:
          this.push(this.slice(this.u32()).slice());
          break;
        case OP.BINBYTES8:
          this.push(this.slice(this.u64()).slice());
          break;

        // Tuples (frozen, so APPEND can tell them from lists).
        case OP.EMPTY_TUPLE:
          this.push(Object.freeze([]));
          break;
        case OP.TUPLE:
          this.push(Object.freeze(this.popMark()));
          break;
        case OP.TUPLE1:
        case OP.TUPLE2:
        case OP.TUPLE3: {
          const n = op - OP.TUPLE1 + 1;
          if (this.stack.length < n) throw this.error('stack underflow');
          this.push(Object.freeze(this.stack.splice(this.stack.length - n, n)));
          break;
        }

        // Lists.
        case OP.EMPTY_LIST:
          this.push([]);
          break;
        case OP.LIST:
          this.push(this.popMark());
          break;
        case OP.APPEND: {
          const item = this.pop();
          this.list(this.peek()).push(item);
          break;
        }
        case OP.APPENDS: {
          const items = this.popMark();
          const list = this.list(this.peek());
          for (const item of items) list.push(item);
          break;
        }

        // Dicts.
        case OP.EMPTY_DICT:
          this.push(new Map());
          break;
        case OP.DICT: {
          const items = this.popMark();
          this.push(this.setItems(new Map(), items));
          break;
        }
        case OP.SETITEM: {
          const value = this.pop();
          const key = this.pop();
          this.setItems(this.peek(), [key, value]);
          break;
        }
        case OP.SETITEMS: {
          const items = this.popMark();
          this.setItems(this.peek(), items);
          break;
        }

        // Globals, calls, persistent ids.
        case OP.GLOBAL: {
          const module = this.line();
          const name = this.line();
          this.push(this.hooks.resolveGlobal(module, name));
          break;
        }
        case OP.STACK_GLOBAL: {
          const name = this.pop();
          const module = this.pop();
          if (typeof module !== 'string' || typeof name !== 'string') throw this.error('STACK_GLOBAL needs two strings');
          this.push(this.hooks.resolveGlobal(module, name));
          break;
        }
        case OP.REDUCE: {
          const args = this.pop();
          const fn = this.pop();
          if (!(fn instanceof PyGlobal)) throw this.error('REDUCE of something that is not a global');
          if (!fn.call) throw this.error(`${fn.qualifiedName} is not callable here`);
          if (!isTuple(args)) throw this.error(`REDUCE of ${fn.qualifiedName} without an argument tuple`);
          this.push(fn.call(args));
          break;
        }
        case OP.BUILD: {
          this.pop(); // the state: ignored, see above
          if (!(this.peek() instanceof Map)) throw this.error('BUILD (setting object state) is only allowed on dicts');
          break;
        }
        case OP.BINPERSID:
          this.push(this.hooks.persistentLoad(this.pop()));
          break;

        default: {
          const name = REFUSED[op] ?? `0x${op.toString(16).padStart(2, '0')}`;
          throw this.error(`unsupported pickle opcode ${name}`);
        }
      }
    }
  }

  private error(detail: string): CheckpointError {
    return new CheckpointError(`malformed or unsupported pickle at byte ${this.opStart}: ${detail}`);
  }

  // --- reading the byte stream ------------------------------------------------------------

  /** Advances over n bytes and returns where they start. */
  private take(n: number): number {
    const at = this.pos;
    if (n > this.bytes.length - at) throw this.error('unexpected end of data');
    this.pos = at + n;
    return at;
  }

  private u8(): number {
    return this.bytes[this.take(1)]!;
  }

  private u32(): number {
    return this.view.getUint32(this.take(4), true);
  }

  private u64(): number {
    const at = this.take(8);
    const v = this.view.getUint32(at, true) + this.view.getUint32(at + 4, true) * 2 ** 32;
    if (!Number.isSafeInteger(v)) throw this.error('length out of range');
    return v;
  }

  private slice(n: number): Uint8Array {
    const at = this.take(n);
    return this.bytes.subarray(at, at + n);
  }

  private str(n: number): string {
    return this.utf8.decode(this.slice(n));
  }

  /** A newline-terminated argument (GLOBAL's module and name). */
  private line(): string {
    const end = this.bytes.indexOf(0x0a, this.pos);
    if (end < 0) throw this.error('unterminated GLOBAL');
    const s = this.utf8.decode(this.bytes.subarray(this.pos, end));
    this.pos = end + 1;
    return s;
  }

  /** Little-endian two's-complement integer of n bytes. */
  private long(n: number): number | bigint {
    if (n < 0 || n > MAX_LONG_BYTES) throw this.error(`integer of ${n} bytes`);
    const b = this.slice(n);
    let v = 0n;
    for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]!);
    if (n > 0 && b[n - 1]! & 0x80) v -= 1n << BigInt(8 * n);
    const asNumber = Number(v);
    return Number.isSafeInteger(asNumber) ? asNumber : v;
  }

  // --- stack helpers ------------------------------------------------------------------------

  private push(v: unknown): void {
    this.stack.push(v);
  }

  private pop(): unknown {
    if (this.stack.length === 0) throw this.error('stack underflow');
    return this.stack.pop();
  }

  private peek(): unknown {
    if (this.stack.length === 0) throw this.error('stack underflow');
    return this.stack[this.stack.length - 1];
  }

  /** Everything pushed since the last MARK; restores the stack from before it. */
  private popMark(): unknown[] {
    const outer = this.marks.pop();
    if (!outer) throw this.error('no MARK on the stack');
    const items = this.stack;
    this.stack = outer;
    return items;
  }

  private memoGet(i: number): unknown {
    if (!this.memo.has(i)) throw this.error(`memo key ${i} is not set`);
    return this.memo.get(i);
  }

  private list(v: unknown): unknown[] {
    if (!Array.isArray(v) || Object.isFrozen(v)) throw this.error('APPEND to something that is not a list');
    return v;
  }

  private setItems(dict: unknown, items: readonly unknown[]): Map<unknown, unknown> {
    if (!(dict instanceof Map)) throw this.error('SETITEM on something that is not a dict');
    if (items.length % 2 !== 0) throw this.error('odd number of items for a dict');
    for (let i = 0; i < items.length; i += 2) dict.set(items[i], items[i + 1]);
    return dict;
  }
}
