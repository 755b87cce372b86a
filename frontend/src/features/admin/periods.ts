// The statistics page's periods, and how its numbers are written.

export const PERIODS = [
  { key: "24h", label: "Last 24 hours", hours: 24 },
  { key: "7d", label: "Last 7 days", hours: 24 * 7 },
  { key: "30d", label: "Last 30 days", hours: 24 * 30 },
  { key: "all", label: "All time", hours: null },
] as const;

export type PeriodKey = (typeof PERIODS)[number]["key"];

export function isPeriodKey(value: string): value is PeriodKey {
  return PERIODS.some((period) => period.key === value);
}

/** The `since` to ask the api for (ISO, to the minute); null for all time. */
export function sinceFor(key: PeriodKey, now: number): string | null {
  const period = PERIODS.find((candidate) => candidate.key === key);
  if (period?.hours == null) return null;
  const since = new Date(now - period.hours * 3_600_000);
  since.setUTCSeconds(0, 0);
  return since.toISOString();
}

/** Seconds with one decimal ("12.3"); "–" when there is no value. */
export function formatSeconds(value: number | null): string {
  return value === null ? "–" : value.toFixed(1);
}
