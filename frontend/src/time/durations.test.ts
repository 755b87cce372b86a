import { describe, expect, it } from "vitest";
import {
  checkTypedDuration,
  durationChoices,
  durationInWords,
  formatDuration,
  parseApiDuration,
  TYPED_DURATION,
} from "./durations";

describe("parseApiDuration", () => {
  it("reads the api's notation, including days and seconds", () => {
    expect(parseApiDuration("30m")).toBe(1800);
    expect(parseApiDuration("4h")).toBe(14_400);
    expect(parseApiDuration("1h30m")).toBe(5400);
    expect(parseApiDuration("1d")).toBe(86_400);
    expect(parseApiDuration("90s")).toBe(90);
  });

  it("refuses anything else", () => {
    for (const text of ["", "4", "1.5h", "h", "4 h", "30m1h", "-1h"]) {
      expect(parseApiDuration(text)).toBeNull();
    }
  });
});

describe("formatDuration and durationInWords", () => {
  it("writes minutes in the notation, largest unit first", () => {
    expect(formatDuration(30)).toBe("30m");
    expect(formatDuration(60)).toBe("1h");
    expect(formatDuration(90)).toBe("1h30m");
    expect(formatDuration(1440)).toBe("24h");
  });

  it("writes minutes in words", () => {
    expect(durationInWords(1)).toBe("1 minute");
    expect(durationInWords(30)).toBe("30 minutes");
    expect(durationInWords(60)).toBe("1 hour");
    expect(durationInWords(150)).toBe("2 hours 30 minutes");
  });
});

describe("checkTypedDuration", () => {
  const eightHours = 8 * 3600;

  it("accepts hours, minutes or both", () => {
    expect(checkTypedDuration("90m", eightHours)).toEqual({
      ok: true,
      value: "1h30m",
      minutes: 90,
    });
    expect(checkTypedDuration("2h", eightHours)).toEqual({ ok: true, value: "2h", minutes: 120 });
    expect(checkTypedDuration("1h30m", eightHours)).toEqual({
      ok: true,
      value: "1h30m",
      minutes: 90,
    });
    expect(checkTypedDuration(" 45m ", eightHours)).toMatchObject({ ok: true, value: "45m" });
  });

  it("uses the same pattern as the brief: (\\d+h)?(\\d+m)?", () => {
    expect(TYPED_DURATION.test("1h30m")).toBe(true);
    expect(TYPED_DURATION.test("30m1h")).toBe(false);
  });

  it("refuses empty, malformed and zero durations with a reason", () => {
    expect(checkTypedDuration("", eightHours)).toMatchObject({ ok: false });
    for (const text of ["90", "1.5h", "2 h", "1d", "30s", "m", "30m1h"]) {
      const checked = checkTypedDuration(text, eightHours);
      expect(checked.ok).toBe(false);
      if (!checked.ok) expect(checked.error).toContain("is not a duration");
    }
    expect(checkTypedDuration("0m", eightHours)).toMatchObject({ ok: false });
  });

  it("refuses more than the template's maximum", () => {
    expect(checkTypedDuration("8h", eightHours).ok).toBe(true);
    const checked = checkTypedDuration("8h1m", eightHours);
    expect(checked).toEqual({
      ok: false,
      error: "That is longer than this workshop allows: at most 8 hours.",
    });
  });
});

describe("durationChoices", () => {
  it("offers 30 minutes up to the maximum, with the default marked", () => {
    const choices = durationChoices("4h", "8h");
    expect(choices.map((choice) => choice.value)).toEqual([
      "30m",
      "1h",
      "1h30m",
      "2h",
      "2h30m",
      "3h",
      "4h",
      "5h",
      "6h",
      "7h",
      "8h",
    ]);
    expect(choices.filter((choice) => choice.isDefault).map((choice) => choice.value)).toEqual([
      "4h",
    ]);
    expect(choices.find((choice) => choice.isDefault)?.label).toBe("4 hours (default)");
  });

  it("includes an off-step default and maximum", () => {
    const choices = durationChoices("45m", "2h15m").map((choice) => choice.value);
    expect(choices).toEqual(["30m", "45m", "1h", "1h30m", "2h", "2h15m"]);
  });

  it("handles a maximum written in days", () => {
    const choices = durationChoices("4h", "1d").map((choice) => choice.value);
    expect(choices.at(-1)).toBe("24h");
    expect(choices).toContain("16h");
  });

  it("offers only the default when the maximum is shorter than 30 minutes", () => {
    expect(durationChoices("20m", "20m").map((choice) => choice.value)).toEqual(["20m"]);
  });
});
