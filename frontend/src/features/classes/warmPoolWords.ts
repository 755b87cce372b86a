// The instructor's one line on a class's warm pool: what was asked for and where its
// workshops are now (the roster's `warm_instances`, by state), in the order they move.
import type { ClassRoster } from "../../client/types";

const STATES = [
  ["ready", "ready to take"],
  ["warming", "starting"],
  ["claimed", "taken by learners"],
  ["discarded", "removed (failed or not taken)"],
] as const;

export function warmPoolWords(roster: ClassRoster): string | null {
  const pool = roster.class.warm_pool;
  if (!pool) return null;
  const counts = roster.warm_instances ?? {};
  const asked =
    `Warm pool of ${String(pool.size)}, started ${String(pool.lead_minutes)} min before the ` +
    `class and kept ${String(pool.grace_minutes)} min after its start`;
  const now = STATES.filter(([state]) => (counts[state] ?? 0) > 0).map(
    ([state, words]) => `${String(counts[state])} ${words}`,
  );
  return now.length ? `${asked}: ${now.join(", ")}.` : `${asked}: not started yet.`;
}
