/**
 * A WebAssembly module assembler, byte by byte (no toolchain needed): LEB128 numbers, sections,
 * a function builder with structured loops, and the SIMD opcodes the kernels use. Kernels build
 * `Fn`s (kernels/); `assemble` lays them out as one module exporting each by name and importing
 * the memory it works on as `env.memory`.
 */

export const I32 = 0x7f;
export const F32 = 0x7d;
export const V128 = 0x7b;
export type ValType = typeof I32 | typeof F32 | typeof V128;

export function uleb(n: number): number[] {
  const out: number[] = [];
  let v = n >>> 0;
  do {
    let b = v & 0x7f;
    v >>>= 7;
    if (v !== 0) b |= 0x80;
    out.push(b);
  } while (v !== 0);
  return out;
}

export function sleb(n: number): number[] {
  const out: number[] = [];
  let v = n | 0;
  for (;;) {
    const b = v & 0x7f;
    v >>= 7;
    if ((v === 0 && (b & 0x40) === 0) || (v === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

export const name = (s: string) => [...uleb(s.length), ...new TextEncoder().encode(s)];
export const section = (id: number, bytes: number[]) => [id, ...uleb(bytes.length), ...bytes];
export const vec = (items: number[][]) => [...uleb(items.length), ...items.flat()];

export const SIMD = (op: number) => [0xfd, ...uleb(op)];

/** One function under construction: params, locals and a flat instruction stream. */
export class Fn {
  readonly locals: ValType[] = [];
  readonly code: number[] = [];
  constructor(readonly params: ValType[]) {}
  local(t: ValType): number {
    this.locals.push(t);
    return this.params.length + this.locals.length - 1;
  }
  emit(...bytes: number[]): this {
    this.code.push(...bytes);
    return this;
  }
  get(i: number) {
    return this.emit(0x20, ...uleb(i));
  }
  set(i: number) {
    return this.emit(0x21, ...uleb(i));
  }
  tee(i: number) {
    return this.emit(0x22, ...uleb(i));
  }
  i32(n: number) {
    return this.emit(0x41, ...sleb(n));
  }
  add() {
    return this.emit(0x6a);
  }
  sub() {
    return this.emit(0x6b);
  }
  mul() {
    return this.emit(0x6c);
  }
  /** `block { loop { …body… } }`: in the body, `br_if 1` leaves and `br 0` repeats. */
  loop(body: () => void) {
    this.emit(0x02, 0x40, 0x03, 0x40);
    body();
    return this.emit(0x0b, 0x0b);
  }
  /** A counted loop: runs body while `cond` (which pushes an i32) holds, then `step`. */
  while(cond: () => void, body: () => void, step: () => void) {
    return this.loop(() => {
      cond();
      this.emit(0x45, 0x0d, 1); // i32.eqz; br_if 1
      body();
      step();
      this.emit(0x0c, 0); // br 0
    });
  }
  ifThen(cond: () => void, body: () => void) {
    cond();
    this.emit(0x04, 0x40);
    body();
    return this.emit(0x0b);
  }
  body(): number[] {
    const locals = vec(this.locals.map((t) => [1, t]));
    const bytes = [...locals, ...this.code, 0x0b];
    return [...uleb(bytes.length), ...bytes];
  }
}

export const MEMARG_F32 = [2, 0];
export const v128Load = (offset: number) => [...SIMD(0x00), 4, ...uleb(offset)];
export const v128Store = (offset: number) => [...SIMD(0x0b), 4, ...uleb(offset)];
export const V128_ZERO = [...SIMD(0x0c), ...new Array<number>(16).fill(0)];
export const F32_ZERO = [0x43, 0, 0, 0, 0];

/** One module of `functions` (exported under their keys) over the imported `env.memory`. */
export function assemble(functions: Record<string, Fn>): Uint8Array {
  const fns = Object.values(functions);
  const types = fns.map((f) => [0x60, ...vec(f.params.map((p) => [p])), 0]);
  const bytes = [
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, vec(types)),
    ...section(2, vec([[...name("env"), ...name("memory"), 0x02, 0x00, 0x01]])), // memory, min 1 page
    ...section(3, vec(fns.map((_, i) => uleb(i)))),
    ...section(7, vec(Object.keys(functions).map((n, i) => [...name(n), 0x00, ...uleb(i)]))),
    ...section(10, vec(fns.map((f) => f.body()))),
  ];
  return new Uint8Array(bytes);
}
