import { expect } from 'vitest';

/**
 * The Kent Phase 1 report's headline figures, which the demo data is built to reproduce (db/seed/answers.ts): an
 * average caseload of about 25 per case-holding qualified worker, a vacancy rate of about 17%, and two to five teams
 * above 25%.
 */
export function expectPhase1Headlines(figures: { weightedCaseload: number | null; vacancyRate: number | null; teamsAboveHighVacancy: number }) {
  expect(figures.weightedCaseload).toBeGreaterThan(23);
  expect(figures.weightedCaseload).toBeLessThan(27);
  expect(figures.vacancyRate).toBeGreaterThan(0.15);
  expect(figures.vacancyRate).toBeLessThan(0.19);
  expect(figures.teamsAboveHighVacancy).toBeGreaterThanOrEqual(2);
  expect(figures.teamsAboveHighVacancy).toBeLessThanOrEqual(5);
}
