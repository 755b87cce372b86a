import { describe, expect, it } from "vitest";
import type { ClassRoster } from "../../client/types";
import { aClass } from "../../test/fixtures";
import { warmPoolWords } from "./warmPoolWords";

function roster(overrides: Partial<ClassRoster>, pooled = true): ClassRoster {
  return {
    class: aClass({
      warm_pool: pooled ? { size: 10, lead_minutes: 20, grace_minutes: 15 } : null,
    }),
    learners: [],
    waiting: [],
    phases: {},
    ...overrides,
  };
}

describe("warmPoolWords", () => {
  it("says nothing for a class without a pool", () => {
    expect(warmPoolWords(roster({}, false))).toBeNull();
  });

  it("says what was asked for before anything starts", () => {
    expect(warmPoolWords(roster({ warm_instances: {} }))).toBe(
      "Warm pool of 10, started 20 min before the class and kept 15 min after its start: not started yet.",
    );
  });

  it("counts the pool's workshops by state, in the order they move", () => {
    expect(
      warmPoolWords(roster({ warm_instances: { claimed: 4, ready: 5, warming: 1, discarded: 0 } })),
    ).toBe(
      "Warm pool of 10, started 20 min before the class and kept 15 min after its start: " +
        "5 ready to take, 1 starting, 4 taken by learners.",
    );
  });
});
