import { describe, expect, it } from "vitest";
import { howItEnded } from "./endings";

describe("howItEnded", () => {
  it("says how a session ended in plain words", () => {
    expect(howItEnded("expired", null)).toBe("Reached its deadline");
    expect(howItEnded("user", null)).toBe("Ended by you");
    expect(howItEnded("admin", null)).toBe("Ended by an administrator");
    expect(howItEnded("startup-timeout", null)).toBe("Took too long to start");
  });

  it("includes the message of a failure", () => {
    expect(howItEnded("failed", "ImagePullBackOff: manifest unknown")).toBe(
      "Failed to start: ImagePullBackOff: manifest unknown",
    );
    expect(howItEnded("failed", null)).toBe("Failed to start");
  });

  it("explains a failure code recorded as the reason", () => {
    expect(howItEnded("CrashLoopBackOff", "back-off")).toBe(
      "Failed to start: The workshop crashed while starting.",
    );
  });

  it("shows unknown reasons raw", () => {
    expect(howItEnded("evicted", "node drained")).toBe("evicted: node drained");
    expect(howItEnded("evicted", null)).toBe("evicted");
    expect(howItEnded(null, null)).toBe("Ended");
  });
});
