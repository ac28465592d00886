/**
 * Optimiser updates as one SIMD pass per variable over the heap (kernels/optimizers.ts): θ, its
 * gradient and the rule's state in, θ' out, each operation rounded to float32 in tfjs's order.
 * The rule's hyper-parameters (and their float32 mirror for other backends) stay with the
 * caller; this module runs the pass.
 */
import * as tf from "@tensorflow/tfjs-core";
import type { WasmHeap } from "./heap.ts";

/** Update rules with a kernel. */
export type OptimizerRule = "adam" | "sgd" | "momentum" | "rmsprop";

/**
 * Runs `rule` on `variable` with `grad` and `slots` (the rule's state, updated in place):
 * pointers (θ, g, slots…, θ'), then n, the weight decay and `scalars` in the kernel's order
 * (adam: β1, 1−β1, β2, 1−β2, 1−β1^t, 1−β2^t, ε, −lr; sgd: −lr; momentum: μ, −lr; rmsprop:
 * ρ, 1−ρ, μ, lr, ε). Writes θ' into the variable's own buffer when `inPlace` allows and no
 * other tensor shares it (returns the variable); else returns a new tensor to assign.
 */
export function optimizerUpdate(
  heap: WasmHeap,
  rule: OptimizerRule,
  variable: tf.Variable,
  grad: tf.Tensor,
  slots: tf.Tensor[],
  weightDecay: number,
  scalars: number[],
  inPlace: boolean,
): tf.Tensor {
  const own = inPlace && heap.refCount(variable.dataId) === 1;
  const out = own
    ? variable
    : tf.engine().makeTensorFromTensorInfo(heap.makeOutput(variable.shape) as tf.TensorInfo);
  const k = heap.kernels;
  const decay = weightDecay > 0;
  const run = {
    adam: decay ? k.adamDecay : k.adam,
    sgd: decay ? k.sgdDecay : k.sgd,
    momentum: decay ? k.momentumDecay : k.momentum,
    rmsprop: decay ? k.rmspropDecay : k.rmsprop,
  }[rule];
  const ptrs = [variable, grad, ...slots, out].map((t) => heap.offset(t.dataId));
  run(...ptrs, variable.size, weightDecay, ...scalars);
  return out;
}
