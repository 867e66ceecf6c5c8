// The comparison helpers every kernel and metrics check ends in: they must fail when there is nothing or not the
// same number of values to compare, or a check that reads back nothing (or too much) would pass.
import { describe, it, expect } from 'vitest';
import { compare } from '../src/checks/harness.ts';
import { compareScores } from '../src/checks/metrics.ts';

describe('check comparison helpers', () => {
  const tol = { atol: 1e-6, rtol: 0 };
  it('compare() passes equal values and fails empty, short or NaN output', () => {
    expect(compare('x', [1, 2], [1, 2], [2], tol).pass).toBe(true);
    const empty = compare('x', [], [], [0], tol);
    expect(empty.pass, empty.detail).toBe(false);
    expect(empty.detail).toMatch(/no values/);
    expect(compare('x', [1], [1, 2], [2], tol).pass).toBe(false);
    expect(compare('x', [1, NaN], [1, 2], [2], tol).pass).toBe(false);
  });
  it('compareScores() fails on extra, missing or no values', () => {
    expect(compareScores('s', [1, null, Infinity], [1, null, Infinity]).pass).toBe(true);
    expect(compareScores('s', [1, null, 5], [1, null]).pass).toBe(false);
    expect(compareScores('s', [1], [1, null]).pass).toBe(false);
    expect(compareScores('s', [], []).pass).toBe(false);
  });
});
