/**
 * Reading a tensor's values on the host without a copy where the backend allows it: on wasm a
 * view of the wasm heap (valid only until the next tensor allocation, which may grow and detach
 * the heap, so read it before making any), elsewhere dataSync().
 */
import * as tf from "@tensorflow/tfjs-core";

interface HeapBackend {
  dataIdMap?: { has(dataId: object): boolean };
  typedArrayFromHeap?(t: tf.TensorInfo): Float32Array | Int32Array;
}

function view(t: tf.Tensor): Float32Array | Int32Array {
  const backend = tf.backend() as unknown as HeapBackend;
  if (tf.getBackend() === "wasm" && backend.typedArrayFromHeap && backend.dataIdMap?.has(t.dataId))
    return backend.typedArrayFromHeap(t);
  return t.dataSync() as Float32Array | Int32Array;
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
