import { describe, expect, it } from "vitest";
import { budgetTry } from "./TrialsView.tsx";

describe("a trial's try of its retry budget", () => {
  it("counts lost and failed attempts, not interruptions, and never shows past the budget", () => {
    // Interrupted twice (resumed runs), now on its first budgeted try: 1/3, not 3/3.
    expect(budgetTry({ state: "running", attemptsUsed: 0, maxAttempts: 3 })).toBe(1);
    expect(budgetTry({ state: "running", attemptsUsed: 2, maxAttempts: 3 })).toBe(3);
    expect(budgetTry({ state: "completed", attemptsUsed: 1, maxAttempts: 3 })).toBe(2);
    // Failed for good: it ended on the try that failed.
    expect(budgetTry({ state: "failed", attemptsUsed: 3, maxAttempts: 3 })).toBe(3);
    expect(budgetTry({ state: "queued", attemptsUsed: 5, maxAttempts: 3 })).toBe(3);
    // The sweep's own budget, not a default.
    expect(budgetTry({ state: "running", attemptsUsed: 0, maxAttempts: 10 })).toBe(1);
    expect(budgetTry({ state: "running", attemptsUsed: 4, maxAttempts: 10 })).toBe(5);
  });
});
