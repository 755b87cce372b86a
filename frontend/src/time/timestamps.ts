// Dates as people read them, in the browser's language and time zone.

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
const timeOnly = new Intl.DateTimeFormat(undefined, { timeStyle: "short" });

/** "1 Sept 2025, 09:00"; an empty string for a missing value. */
export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return "";
  const at = Date.parse(iso);
  return Number.isNaN(at) ? iso : dateTime.format(at);
}

/** "09:00". */
export function formatTime(iso: string): string {
  const at = Date.parse(iso);
  return Number.isNaN(at) ? iso : timeOnly.format(at);
}
