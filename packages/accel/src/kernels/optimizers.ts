/** The update rules of Adam, SGD, momentum and RMSprop as elementwise SIMD kernels, in tfjs's float32 order. */
import { F32, Fn, I32, MEMARG_F32, SIMD, V128, type ValType, v128Load, v128Store } from "../assembler.ts";

/** Emits float operations either on f32 or on f32x4 lanes, with the same rounding. */
interface Lanes {
  load(ptr: number): void;
  /** Stores the value computed by `value` at ptr. */
  store(ptr: number, value: () => void): void;
  scalar(s: number): void;
  get(l: number): void;
  set(l: number): void;
  tmp(): number;
  add(): void;
  sub(): void;
  mul(): void;
  div(): void;
  sqrt(): void;
}

/**
 * An elementwise kernel over `ptrs` float arrays of length n with `scalars` f32 parameters:
 * params (ptr…, n, scalar…). `body` computes one element (or four lanes) with the given Lanes.
 */
function elementwise(ptrs: number, scalars: number, body: (l: Lanes) => void): Fn {
  const f = new Fn([...new Array<ValType>(ptrs + 1).fill(I32), ...new Array<ValType>(scalars).fill(F32)]);
  const n = ptrs;
  const o = f.local(I32);
  const end = f.local(I32);
  const simdEnd = f.local(I32);
  const splats = Array.from({ length: scalars }, () => f.local(V128));
  for (let s = 0; s < scalars; s++)
    f.get(ptrs + 1 + s)
      .emit(...SIMD(0x13))
      .set(splats[s] as number);
  f.get(n).i32(2).emit(0x74).set(end);
  f.get(end).i32(-16).emit(0x71).set(simdEnd);
  const lanes = (simd: boolean): Lanes => ({
    load: (p) => {
      f.get(p).get(o).add();
      if (simd) f.emit(...v128Load(0));
      else f.emit(0x2a, ...MEMARG_F32);
    },
    store: (p, value) => {
      f.get(p).get(o).add();
      value();
      if (simd) f.emit(...v128Store(0));
      else f.emit(0x38, ...MEMARG_F32);
    },
    scalar: (s) => {
      f.get(simd ? (splats[s] as number) : ptrs + 1 + s);
    },
    get: (l) => {
      f.get(l);
    },
    set: (l) => {
      f.set(l);
    },
    tmp: () => f.local(simd ? V128 : F32),
    add: () => (simd ? f.emit(...SIMD(0xe4)) : f.emit(0x92)),
    sub: () => (simd ? f.emit(...SIMD(0xe5)) : f.emit(0x93)),
    mul: () => (simd ? f.emit(...SIMD(0xe6)) : f.emit(0x94)),
    div: () => (simd ? f.emit(...SIMD(0xe7)) : f.emit(0x95)),
    sqrt: () => (simd ? f.emit(...SIMD(0xe3)) : f.emit(0x91)),
  });
  const simd = lanes(true);
  const scalar = lanes(false);
  f.i32(0).set(o);
  f.while(
    () => f.get(o).get(simdEnd).emit(0x49),
    () => body(simd),
    () => f.get(o).i32(16).add().set(o),
  );
  f.while(
    () => f.get(o).get(end).emit(0x49),
    () => body(scalar),
    () => f.get(o).i32(4).add().set(o),
  );
  return f;
}

/**
 * g ← g + wd·θ when decaying (addWeightDecay's tf.add(g, tf.mul(θ, wd))), left in a temporary.
 * Pointers: θ = 0, g = 1; `wd` is the scalar index of the decay rate.
 */
function gradient(l: Lanes, decay: boolean, wd: number): number {
  const g = l.tmp();
  l.load(1);
  if (decay) {
    l.load(0);
    l.scalar(wd);
    l.mul();
    l.add();
  }
  l.set(g);
  return g;
}

/**
 * adam(θ, g, m, v, θ', n; wd, β1, 1−β1, β2, 1−β2, 1−β1^t, 1−β2^t, ε, −lr), as tf.train.adam:
 * m ← m·β1 + g·(1−β1); v ← v·β2 + g²·(1−β2); θ' = (m/(1−β1^t)) / (√(v/(1−β2^t)) + ε)·(−lr) + θ.
 */
export const adam = (decay: boolean) =>
  elementwise(5, 9, (l) => {
    const g = gradient(l, decay, 0);
    const m = l.tmp();
    const v = l.tmp();
    l.store(2, () => {
      l.load(2);
      l.scalar(1);
      l.mul();
      l.get(g);
      l.scalar(2);
      l.mul();
      l.add();
      l.set(m);
      l.get(m);
    });
    l.store(3, () => {
      l.load(3);
      l.scalar(3);
      l.mul();
      l.get(g);
      l.get(g);
      l.mul();
      l.scalar(4);
      l.mul();
      l.add();
      l.set(v);
      l.get(v);
    });
    l.store(4, () => {
      l.get(m);
      l.scalar(5);
      l.div();
      l.get(v);
      l.scalar(6);
      l.div();
      l.sqrt();
      l.scalar(7);
      l.add();
      l.div();
      l.scalar(8);
      l.mul();
      l.load(0);
      l.add();
    });
  });

/** sgd(θ, g, θ', n; wd, −lr): θ' = (−lr)·g + θ. */
export const sgd = (decay: boolean) =>
  elementwise(3, 2, (l) => {
    const g = gradient(l, decay, 0);
    l.store(2, () => {
      l.scalar(1);
      l.get(g);
      l.mul();
      l.load(0);
      l.add();
    });
  });

/** momentum(θ, g, a, θ', n; wd, μ, −lr): a ← a·μ + g; θ' = (−lr)·a + θ. */
export const momentum = (decay: boolean) =>
  elementwise(4, 3, (l) => {
    const g = gradient(l, decay, 0);
    const a = l.tmp();
    l.store(2, () => {
      l.load(2);
      l.scalar(1);
      l.mul();
      l.get(g);
      l.add();
      l.set(a);
      l.get(a);
    });
    l.store(3, () => {
      l.scalar(2);
      l.get(a);
      l.mul();
      l.load(0);
      l.add();
    });
  });

/**
 * rmsprop(θ, g, ms, mom, θ', n; wd, ρ, 1−ρ, μ, lr, ε), as tf.train.rmsprop (not centred):
 * ms ← ms·ρ + g²·(1−ρ); mom ← mom·μ + g·lr / √(ms + ε); θ' = θ − mom.
 */
export const rmsprop = (decay: boolean) =>
  elementwise(5, 6, (l) => {
    const g = gradient(l, decay, 0);
    const ms = l.tmp();
    const mom = l.tmp();
    l.store(2, () => {
      l.load(2);
      l.scalar(1);
      l.mul();
      l.get(g);
      l.get(g);
      l.mul();
      l.scalar(2);
      l.mul();
      l.add();
      l.set(ms);
      l.get(ms);
    });
    l.store(3, () => {
      l.load(3);
      l.scalar(3);
      l.mul();
      l.get(g);
      l.scalar(4);
      l.mul();
      l.get(ms);
      l.scalar(5);
      l.add();
      l.sqrt();
      l.div();
      l.add();
      l.set(mom);
      l.get(mom);
    });
    l.store(4, () => {
      l.load(0);
      l.get(mom);
      l.sub();
    });
  });
