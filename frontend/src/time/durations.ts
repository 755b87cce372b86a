// The duration notation the api speaks ("30m", "2h", "1h30m"): reading the values the api
// sends (templates' default and maximum durations, which may also use d and s), checking
// what a learner types (hours and minutes only), and the choices the pickers offer.

const API_DURATION = /^(?=\d)(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/;

/** What a learner may type: hours and/or minutes, largest unit first, no spaces. */
export const TYPED_DURATION = /^(\d+h)?(\d+m)?$/;

export const NOTATION_HELP =
  "Write a number with a unit: m for minutes, h for hours, e.g. 90m, 2h or 1h30m.";

/** Seconds in a duration as the api writes it ("4h", "1h30m", "1d"); null if unreadable. */
export function parseApiDuration(text: string): number | null {
  const match = API_DURATION.exec(text);
  if (!match) return null;
  const [, days, hours, minutes, seconds] = match;
  return (
    Number(days ?? 0) * 86_400 +
    Number(hours ?? 0) * 3_600 +
    Number(minutes ?? 0) * 60 +
    Number(seconds ?? 0)
  );
}

/** Whole minutes as the api's notation, largest unit first: 90 → "1h30m", 120 → "2h". */
export function formatDuration(minutes: number): string {
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  if (hours === 0) return `${rest}m`;
  return rest === 0 ? `${hours}h` : `${hours}h${rest}m`;
}

function plural(amount: number, unit: string): string {
  return `${amount} ${unit}${amount === 1 ? "" : "s"}`;
}

/** Whole minutes in words: 90 → "1 hour 30 minutes". */
export function durationInWords(minutes: number): string {
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  if (hours === 0) return plural(rest, "minute");
  return rest === 0 ? plural(hours, "hour") : `${plural(hours, "hour")} ${plural(rest, "minute")}`;
}

export type TypedDuration =
  { ok: true; value: string; minutes: number } | { ok: false; error: string };

/** Check a typed duration against the notation and the template's longest duration. */
export function checkTypedDuration(text: string, maxSeconds: number | null): TypedDuration {
  const value = text.trim();
  if (value === "") return { ok: false, error: "Enter a duration, e.g. 90m or 2h." };
  const match = TYPED_DURATION.exec(value);
  if (!match) {
    return {
      ok: false,
      error: `"${value}" is not a duration. ${NOTATION_HELP}`,
    };
  }
  const minutes = Math.floor((parseApiDuration(value) ?? 0) / 60);
  if (minutes <= 0) return { ok: false, error: "The duration must be at least 1 minute." };
  if (maxSeconds !== null && minutes * 60 > maxSeconds) {
    return {
      ok: false,
      error: `That is longer than this workshop allows: at most ${durationInWords(Math.floor(maxSeconds / 60))}.`,
    };
  }
  return { ok: true, value: formatDuration(minutes), minutes };
}

export interface DurationChoice {
  value: string;
  label: string;
  minutes: number;
  isDefault: boolean;
}

// Half-hour steps for short sessions, then hourly, then every few hours for long ones.
const STEPS_MINUTES = [
  30, 60, 90, 120, 150, 180, 240, 300, 360, 420, 480, 600, 720, 960, 1440, 2880, 4320, 10080,
];

/**
 * The durations the launch picker offers: from 30 minutes up to the template's maximum, in
 * sensible steps, always including the default (selected by default) and the maximum.
 */
export function durationChoices(defaultDuration: string, maxDuration: string): DurationChoice[] {
  const defaultSeconds = parseApiDuration(defaultDuration);
  const maxSeconds = parseApiDuration(maxDuration);
  const defaultMinutes = defaultSeconds === null ? null : Math.floor(defaultSeconds / 60);
  const maxMinutes = maxSeconds === null ? null : Math.floor(maxSeconds / 60);
  const wanted = new Set<number>();
  for (const step of STEPS_MINUTES) {
    if (maxMinutes === null ? step <= (defaultMinutes ?? 240) : step <= maxMinutes) {
      wanted.add(step);
    }
  }
  if (defaultMinutes !== null && defaultMinutes > 0) wanted.add(defaultMinutes);
  if (maxMinutes !== null && maxMinutes > 0) wanted.add(maxMinutes);
  return [...wanted]
    .sort((a, b) => a - b)
    .map((minutes) => {
      const isDefault = minutes === defaultMinutes;
      const words = durationInWords(minutes);
      return {
        value: formatDuration(minutes),
        label: isDefault ? `${words} (default)` : words,
        minutes,
        isDefault,
      };
    });
}
