/** Evaluation metrics, computed in JS from predictions (exact, and testable without tf). */

export function accuracy(pred: ArrayLike<number>, truth: ArrayLike<number>): number {
  let hit = 0;
  for (let i = 0; i < truth.length; i++) if (pred[i] === truth[i]) hit++;
  return truth.length ? hit / truth.length : Number.NaN;
}

/**
 * Macro-averaged F1 over the classes that occur in the truth or the predictions (scikit-learn's
 * `f1_score(average="macro")`); a class with no true positives scores 0.
 */
export function macroF1(pred: ArrayLike<number>, truth: ArrayLike<number>, classes: number): number {
  const tp = new Float64Array(classes);
  const fp = new Float64Array(classes);
  const fn = new Float64Array(classes);
  for (let i = 0; i < truth.length; i++) {
    const p = pred[i] as number;
    const t = truth[i] as number;
    if (p === t) tp[t] = (tp[t] as number) + 1;
    else {
      fp[p] = (fp[p] as number) + 1;
      fn[t] = (fn[t] as number) + 1;
    }
  }
  let sum = 0;
  let count = 0;
  for (let c = 0; c < classes; c++) {
    const support = (tp[c] as number) + (fp[c] as number) + (fn[c] as number);
    if (support === 0) continue;
    count++;
    sum += (2 * (tp[c] as number)) / (2 * (tp[c] as number) + (fp[c] as number) + (fn[c] as number));
  }
  return count ? sum / count : Number.NaN;
}

export function mse(pred: ArrayLike<number>, truth: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < truth.length; i++) s += ((pred[i] as number) - (truth[i] as number)) ** 2;
  return truth.length ? s / truth.length : Number.NaN;
}

export function mae(pred: ArrayLike<number>, truth: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < truth.length; i++) s += Math.abs((pred[i] as number) - (truth[i] as number));
  return truth.length ? s / truth.length : Number.NaN;
}
