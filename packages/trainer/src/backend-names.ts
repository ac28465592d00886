/** The backends a trainer can run on, in the order they are tried (no TensorFlow.js here). */
export const BACKENDS = ["tensorflow-gpu", "tensorflow", "wasm", "cpu"] as const;
export type BackendName = (typeof BACKENDS)[number];
