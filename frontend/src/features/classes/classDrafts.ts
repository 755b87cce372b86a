// The class form's fields as typed (strings) and the api's create body made from them:
// checked here first so that a wrong number or an end before the start is said next to its
// field before anything is sent. The warm pool is optional and off unless asked for.
import type { components } from "../../client/schema";

export type ClassCreate = components["schemas"]["ClassCreateBody"];

export interface ClassDraft {
  title: string;
  template: string;
  /** `<input type="datetime-local">` values: local time, no zone. */
  startsAt: string;
  endsAt: string;
  expectedSize: string;
  /** Empty: no limit but the platform's capacity. */
  seats: string;
  /** Comma- or space-separated; the creator is always one. */
  instructors: string;
  /** Instructors may open learners' workshops without asking each one (they are told). */
  helpWithoutConsent: boolean;
  pooled: boolean;
  /** Empty: as many as expected. */
  poolSize: string;
  leadMinutes: string;
  graceMinutes: string;
}

export type DraftField = keyof ClassDraft;

export type Checked =
  { ok: true; body: ClassCreate } | { ok: false; field: DraftField; error: string };

/** What the api takes when a pool gives no lead or grace (WarmPoolBody's defaults). */
export const DEFAULT_LEAD_MINUTES = 15;
export const DEFAULT_GRACE_MINUTES = 15;

function localInput(at: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return (
    `${String(at.getFullYear())}-${pad(at.getMonth() + 1)}-${pad(at.getDate())}` +
    `T${pad(at.getHours())}:${pad(at.getMinutes())}`
  );
}

/** A class tomorrow at 9 for 8 hours, nobody invited yet, no pool. */
export function emptyDraft(now: Date, template = ""): ClassDraft {
  const starts = new Date(now);
  starts.setDate(starts.getDate() + 1);
  starts.setHours(9, 0, 0, 0);
  const ends = new Date(starts);
  ends.setHours(17);
  return {
    title: "",
    template,
    startsAt: localInput(starts),
    endsAt: localInput(ends),
    expectedSize: "30",
    seats: "",
    instructors: "",
    helpWithoutConsent: false,
    pooled: false,
    poolSize: "",
    leadMinutes: String(DEFAULT_LEAD_MINUTES),
    graceMinutes: String(DEFAULT_GRACE_MINUTES),
  };
}

function wholeNumber(text: string, least: number, most: number): number | null {
  const trimmed = text.trim();
  if (!/^\d+$/.test(trimmed)) return null;
  const value = Number(trimmed);
  return value >= least && value <= most ? value : null;
}

function instant(text: string): Date | null {
  const at = new Date(text);
  return text.trim() === "" || Number.isNaN(at.getTime()) ? null : at;
}

export function toCreateBody(draft: ClassDraft): Checked {
  const fail = (field: DraftField, error: string): Checked => ({ ok: false, field, error });
  const title = draft.title.trim();
  if (title === "") return fail("title", "Give the class a title.");
  if (draft.template === "") return fail("template", "Choose the workshop.");
  const starts = instant(draft.startsAt);
  if (starts === null) return fail("startsAt", "Give the start as a date and time.");
  const ends = instant(draft.endsAt);
  if (ends === null) return fail("endsAt", "Give the end as a date and time.");
  if (ends <= starts) return fail("endsAt", "The class must end after it starts.");
  const expected = wholeNumber(draft.expectedSize, 1, 10000);
  if (expected === null) return fail("expectedSize", "A whole number from 1 to 10000.");
  let seats: number | null = null;
  if (draft.seats.trim() !== "") {
    seats = wholeNumber(draft.seats, 1, 10000);
    if (seats === null) return fail("seats", "A whole number from 1 to 10000, or empty.");
  }
  const body: ClassCreate = {
    title,
    template: draft.template,
    starts_at: starts.toISOString(),
    ends_at: ends.toISOString(),
    expected_size: expected,
    seats,
    instructor_emails: draft.instructors
      .split(/[\s,;]+/)
      .map((email) => email.trim())
      .filter((email) => email !== ""),
    help_without_consent: draft.helpWithoutConsent,
  };
  if (!draft.pooled) return { ok: true, body };
  let size: number | null = null;
  if (draft.poolSize.trim() !== "") {
    size = wholeNumber(draft.poolSize, 1, 10000);
    if (size === null) return fail("poolSize", "A whole number from 1, or empty for everyone.");
  }
  const lead = wholeNumber(draft.leadMinutes, 1, 24 * 60);
  if (lead === null) return fail("leadMinutes", "Minutes, from 1 to 1440.");
  const grace = wholeNumber(draft.graceMinutes, 0, 24 * 60);
  if (grace === null) return fail("graceMinutes", "Minutes, from 0 to 1440.");
  return {
    ok: true,
    body: { ...body, warm_pool: { size, lead_minutes: lead, grace_minutes: grace } },
  };
}

/** The api's field name in a 422 (`warm_pool.size`) as the form's, to show it in place. */
export function draftFieldOf(apiField: string | null | undefined): DraftField | null {
  const fields: Record<string, DraftField> = {
    title: "title",
    template: "template",
    starts_at: "startsAt",
    ends_at: "endsAt",
    expected_size: "expectedSize",
    seats: "seats",
    instructor_emails: "instructors",
    "warm_pool.size": "poolSize",
    "warm_pool.lead_minutes": "leadMinutes",
    "warm_pool.grace_minutes": "graceMinutes",
  };
  return apiField ? (fields[apiField] ?? null) : null;
}
