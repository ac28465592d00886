/** @mtl/analysis: statistics, Δm%, Pareto fronts, comparison tables and sweep reports. */

export {
  type Cell,
  CompareError,
  type CompareOptions,
  type CompareRow,
  type Comparison,
  compare,
  type LeftOut,
  onSplit,
  type Split,
} from "./compare.ts";
export { deltaM, type MetricColumn, relativeImprovement } from "./delta-m.ts";
export {
  columnFormat,
  decimalsFor,
  decimalsFromSpread,
  fmt,
  fmtBytes,
  fmtDuration,
  fmtNumber,
  fmtP,
  fmtPct,
  fmtSigned,
  fmtValue,
  isNoise,
  legend,
  MISSING,
  metricBounds,
} from "./format.ts";
export {
  groupsOf,
  type Importance,
  importance,
  type Scored,
  type SweptParam,
  scoredTrials,
  sweptParams,
} from "./importance.ts";
export {
  type Configuration,
  configurationsOf,
  hasResult,
  type Pairing,
  pairWithBaseline,
  resultsBySeed,
  type SeedDelta,
} from "./pairing.ts";
export {
  decodePng,
  encodePng,
  HEADLESS_CHROMIUM_FLAGS,
  type Image,
  inkStats,
  screenshotPage,
} from "./png.ts";
export { type CurvePoint, metricOf, type TrialRecord, weightsOf } from "./records.ts";
export { renderCsv, renderJson } from "./render-data.ts";
export { renderMarkdown } from "./render-md.ts";
export { COMPACT_BELOW, renderTable, type TableOptions, wrapText } from "./render-table.ts";
export {
  formulaHtml,
  type KeptModelRow,
  PLOT_DIR,
  type Report,
  type ReportFile,
  type ReportOptions,
  renderReport,
  renderSweepComparison,
  type SweepInput,
  TRIAL_ROWS,
} from "./report.ts";
export {
  averageRanks,
  holm,
  mean,
  type PermutationOptions,
  permutationTest,
  type Summary,
  sampleStd,
  sampleVariance,
  summarize,
  type TestResult,
  welchTTest,
} from "./stats.ts";
export type { Plot } from "./svg/common.ts";
export { incompleteBeta, lnGamma, tCdf, tPdf, tQuantile, tTwoSided } from "./t-dist.ts";
export {
  shortName,
  shortValue,
  strategyLabel,
  type VariantParts,
  variantLabels,
  variantParts,
} from "./variant.ts";
