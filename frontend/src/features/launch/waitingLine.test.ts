import { describe, expect, it } from "vitest";
import { lineText, minutesInWords } from "./waitingLine";

describe("the waiting line in words", () => {
  it("says the number in line and about how many minutes", () => {
    expect(lineText(3, 420)).toBe("You are number 3 in line, about 7 minutes.");
    expect(lineText(1, 20)).toBe("You are number 1 in line, about 1 minute.");
  });

  it("says the estimate is unknown rather than inventing one", () => {
    expect(lineText(2, null)).toBe(
      "You are number 2 in line; how long it takes is unknown (no session has ended recently).",
    );
  });

  it("counts long waits in hours", () => {
    expect(minutesInWords(3 * 3600)).toBe("about 3 hours");
  });
});
