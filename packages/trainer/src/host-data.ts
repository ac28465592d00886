/**
 * Reading a tensor's values on the host without a copy where the accel allows it: on wasm a view
 * of the heap (valid only until the next tensor allocation, which may grow and detach the heap,
 * so read it before making any), elsewhere dataSync().
 */
import type * as tf from "@tensorflow/tfjs-core";
import { fast } from "./accel.ts";

function view(t: tf.Tensor): Float32Array | Int32Array {
  return fast()?.view(t) ?? (t.dataSync() as Float32Array | Int32Array);
}

/** The values of a float32 tensor (see the module comment for how long they stay valid). */
export function floats(t: tf.Tensor): Float32Array {
  if (t.dtype !== "float32") throw new Error(`expected a float32 tensor, got ${t.dtype}`);
  return view(t) as Float32Array;
}

/** The values of an int32 tensor (see the module comment for how long they stay valid). */
export function ints(t: tf.Tensor): Int32Array {
  if (t.dtype !== "int32") throw new Error(`expected an int32 tensor, got ${t.dtype}`);
  return view(t) as Int32Array;
}
