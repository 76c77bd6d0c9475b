import { describe, expect, it } from 'vitest';
import { claimOf, MIN_RUNS } from '../src/claims.js';

describe('a quality claim holds only when its margin exceeds the spread over enough runs', () => {
  it('fixed verdicts', () => {
    expect(MIN_RUNS).toBe(3);
    expect(claimOf('c', 'm', [0.1, 0.12, 0.08]).holds).toBe(true); // mean 0.10 > sd 0.02
    expect(claimOf('c', 'm', [0.1, -0.1, 0.3]).holds).toBe(false); // mean 0.10, sd 0.20: noise
    expect(claimOf('c', 'm', [0.2, 0.2]).holds).toBe(false); // two runs are too few
    expect(claimOf('c', 'm', [-0.1, -0.12, -0.08]).holds).toBe(false); // the other way round
    expect(claimOf('c', 'm', []).holds).toBe(false);
    const c = claimOf('c', 'm', [1, 2, 3]);
    expect(c.mean).toBe(2);
    expect(c.sd).toBe(1);
  });
});
