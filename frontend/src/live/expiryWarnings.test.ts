import { describe, expect, it } from "vitest";
import type { Expiring } from "../client/types";
import { recordWarning, warningFor, warningText, type ExpiryWarnings } from "./expiryWarnings";

const expiring = (lead: number, expiresAt = "2025-09-01T11:00:00Z"): Expiring => ({
  event_id: "8c0e1d2a-0000-4000-8000-000000000000",
  type: "expiry.expiring",
  version: 1,
  instance: "rstudio-1",
  owner: "ada@example.org",
  expires_at: expiresAt,
  lead_seconds: lead,
  occurred_at: "2025-09-01T10:45:00Z",
});

const none: ExpiryWarnings = new Map();

describe("expiry warnings", () => {
  it("words the 15- and 5-minute warnings", () => {
    expect(warningText(900)).toBe("Your session ends in 15 minutes — save your work");
    expect(warningText(300)).toBe("Your session ends in 5 minutes — save your work");
    expect(warningText(60)).toBe("Your session ends in 1 minute — save your work");
  });

  it("keeps the nearest warning for a deadline", () => {
    const after15 = recordWarning(none, expiring(900));
    const after5 = recordWarning(after15, expiring(300));
    expect(after5.get("rstudio-1")?.leadSeconds).toBe(300);
    expect(recordWarning(after5, expiring(900))).toBe(after5);
  });

  it("applies to the instance until its deadline moves later", () => {
    const warnings = recordWarning(none, expiring(300));
    const instance = { name: "rstudio-1", expires_at: "2025-09-01T11:00:00Z" };
    expect(warningFor(warnings, instance)?.leadSeconds).toBe(300);
    expect(warningFor(warnings, { ...instance, expires_at: "2025-09-01T11:30:00Z" })).toBeNull();
    expect(warningFor(warnings, { ...instance, name: "other" })).toBeNull();
  });

  it("replaces a warning for an older deadline", () => {
    const first = recordWarning(none, expiring(300));
    const later = recordWarning(first, expiring(900, "2025-09-01T11:30:00Z"));
    expect(later.get("rstudio-1")).toMatchObject({
      leadSeconds: 900,
      expiresAt: "2025-09-01T11:30:00Z",
    });
  });
});
