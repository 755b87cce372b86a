import { describe, expect, it } from "vitest";
import {
  countdownText,
  elapsedText,
  formatClock,
  periodInWords,
  secondsUntil,
  spanInWords,
} from "./countdowns";

const DEADLINE = "2025-09-01T11:00:00Z";
const at = (iso: string) => Date.parse(iso);

describe("formatClock", () => {
  it("writes minutes and seconds under an hour", () => {
    expect(formatClock(0)).toBe("0:00");
    expect(formatClock(7)).toBe("0:07");
    expect(formatClock(65)).toBe("1:05");
    expect(formatClock(3599)).toBe("59:59");
  });

  it("writes hours, minutes and seconds from an hour on", () => {
    expect(formatClock(3600)).toBe("1:00:00");
    expect(formatClock(5025)).toBe("1:23:45");
    expect(formatClock(36_000 + 61)).toBe("10:01:01");
  });

  it("never shows negative or fractional time", () => {
    expect(formatClock(-5)).toBe("0:00");
    expect(formatClock(7.9)).toBe("0:07");
  });
});

describe("countdownText", () => {
  it("counts down to the deadline", () => {
    expect(countdownText(DEADLINE, at("2025-09-01T09:36:15Z"))).toBe("Ends in 1:23:45");
    expect(countdownText(DEADLINE, at("2025-09-01T10:55:00Z"))).toBe("Ends in 5:00");
  });

  it("rounds up, so it never reads 0:00 before the deadline", () => {
    expect(countdownText(DEADLINE, at("2025-09-01T10:59:59.600Z"))).toBe("Ends in 0:01");
    expect(secondsUntil(DEADLINE, at("2025-09-01T10:59:59.600Z"))).toBe(1);
  });

  it("says Ending… at and after the deadline", () => {
    expect(countdownText(DEADLINE, at(DEADLINE))).toBe("Ending…");
    expect(countdownText(DEADLINE, at("2025-09-01T12:00:00Z"))).toBe("Ending…");
  });
});

describe("elapsedText", () => {
  it("shows the time since a moment", () => {
    expect(elapsedText("2025-09-01T09:00:00Z", at("2025-09-01T09:00:07Z"))).toBe("Elapsed 0:07");
    expect(elapsedText("2025-09-01T09:00:00Z", at("2025-09-01T09:02:30.900Z"))).toBe(
      "Elapsed 2:30",
    );
  });
});

describe("spanInWords", () => {
  it("uses the largest sensible units", () => {
    expect(spanInWords(45)).toBe("45 s");
    expect(spanInWords(12 * 60)).toBe("12 min");
    expect(spanInWords(2 * 3600 + 5 * 60)).toBe("2 h 5 min");
    expect(spanInWords(3 * 3600)).toBe("3 h");
  });
});

describe("retention periods in words", () => {
  it("says days from a day on, and a span below", () => {
    expect(periodInWords(30 * 86400)).toBe("30 days");
    expect(periodInWords(86400)).toBe("1 day");
    expect(periodInWords(1.5 * 86400)).toBe("1.5 days");
    expect(periodInWords(2 * 3600)).toBe("2 h");
  });
});
