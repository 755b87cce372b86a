import { describe, expect, it } from "vitest";
import { anInstance } from "../../test/fixtures";
import { extensionOffer, refusalHeadline } from "./extensions";

const NOW = Date.parse("2025-09-01T10:00:00Z");

describe("extensionOffer", () => {
  it("offers 30 minutes and 1 hour when both fit", () => {
    expect(extensionOffer(anInstance(), NOW)).toEqual({
      possible: true,
      choices: [
        { value: "30m", label: "30 minutes" },
        { value: "1h", label: "1 hour" },
      ],
    });
  });

  it("offers only the lengths that fit before latest_expires_at", () => {
    const instance = anInstance({ latest_expires_at: "2025-09-01T11:45:00Z" });
    expect(extensionOffer(instance, NOW)).toMatchObject({
      possible: true,
      choices: [{ value: "30m" }],
    });
  });

  it("offers exactly what remains when less than 30 minutes is left", () => {
    const instance = anInstance({ latest_expires_at: "2025-09-01T11:20:00Z" });
    expect(extensionOffer(instance, NOW)).toEqual({
      possible: true,
      choices: [{ value: "20m", label: "20 minutes" }],
    });
  });

  it("offers both when the latest deadline is unknown", () => {
    const offer = extensionOffer(anInstance({ latest_expires_at: null }), NOW);
    expect(offer).toMatchObject({ possible: true, choices: [{ value: "30m" }, { value: "1h" }] });
  });

  it("says why when no extension is left", () => {
    expect(extensionOffer(anInstance({ extensions_left: 0 }), NOW)).toEqual({
      possible: false,
      reason: "No extensions left: this session has been extended as often as allowed.",
    });
  });

  it("says why when the deadline is already the latest", () => {
    const instance = anInstance({ latest_expires_at: "2025-09-01T11:00:00Z" });
    expect(extensionOffer(instance, NOW)).toEqual({
      possible: false,
      reason: "This session already runs until the latest time this workshop allows.",
    });
  });

  it("refuses ended, ending and expired sessions", () => {
    expect(extensionOffer(anInstance({ phase: "Terminating" }), NOW).possible).toBe(false);
    expect(extensionOffer(anInstance({ phase: "Failed" }), NOW).possible).toBe(false);
    expect(
      extensionOffer(anInstance({ terminate_requested_at: "2025-09-01T09:59:00Z" }), NOW).possible,
    ).toBe(false);
    expect(extensionOffer(anInstance(), Date.parse("2025-09-01T11:00:01Z"))).toEqual({
      possible: false,
      reason: "This session has reached its deadline.",
    });
  });
});

describe("refusalHeadline", () => {
  it("names each 409 kind in words", () => {
    expect(refusalHeadline("extensions-exhausted")).toBe("No extensions left.");
    expect(refusalHeadline("max-duration-exceeded")).toContain("maximum duration");
    expect(refusalHeadline("instance-ended")).toContain("ended");
    expect(refusalHeadline(null)).toBe("The session could not be extended.");
  });
});
