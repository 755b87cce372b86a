import { describe, expect, it } from "vitest";
import { formatSeconds, sinceFor } from "./periods";

const NOW = Date.parse("2025-09-08T12:34:56.789Z");

describe("periods", () => {
  it("computes since, to the minute", () => {
    expect(sinceFor("24h", NOW)).toBe("2025-09-07T12:34:00.000Z");
    expect(sinceFor("7d", NOW)).toBe("2025-09-01T12:34:00.000Z");
    expect(sinceFor("30d", NOW)).toBe("2025-08-09T12:34:00.000Z");
    expect(sinceFor("all", NOW)).toBeNull();
  });

  it("writes seconds with one decimal, or a dash", () => {
    expect(formatSeconds(12.345)).toBe("12.3");
    expect(formatSeconds(40)).toBe("40.0");
    expect(formatSeconds(null)).toBe("–");
  });
});
