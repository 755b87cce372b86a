import { describe, expect, it } from "vitest";
import { draftFieldOf, emptyDraft, toCreateBody, type ClassDraft } from "./classDrafts";

function draft(overrides: Partial<ClassDraft> = {}): ClassDraft {
  return {
    ...emptyDraft(new Date(2025, 7, 31, 15, 0), "rstudio"),
    title: "RNA-seq, day 1",
    ...overrides,
  };
}

describe("toCreateBody", () => {
  it("starts from a class tomorrow at 9 for 8 hours, without a pool", () => {
    const checked = toCreateBody(draft());
    expect(checked).toEqual({
      ok: true,
      body: {
        title: "RNA-seq, day 1",
        template: "rstudio",
        starts_at: new Date(2025, 8, 1, 9, 0).toISOString(),
        ends_at: new Date(2025, 8, 1, 17, 0).toISOString(),
        expected_size: 30,
        seats: null,
        instructor_emails: [],
        help_without_consent: false,
      },
    });
  });

  it("lets instructors in without each learner's consent only when asked", () => {
    const asked = toCreateBody(draft({ helpWithoutConsent: true }));
    expect(asked.ok && asked.body.help_without_consent).toBe(true);
  });

  it("sends the warm pool only when asked for, empty size meaning everyone expected", () => {
    const pooled = toCreateBody(draft({ pooled: true, leadMinutes: "20", graceMinutes: "0" }));
    expect(pooled.ok && pooled.body.warm_pool).toEqual({
      size: null,
      lead_minutes: 20,
      grace_minutes: 0,
    });
    const sized = toCreateBody(draft({ pooled: true, poolSize: " 10 " }));
    expect(sized.ok && sized.body.warm_pool).toEqual({
      size: 10,
      lead_minutes: 15,
      grace_minutes: 15,
    });
    const off = toCreateBody(draft({ pooled: false, poolSize: "10" }));
    expect(off.ok && "warm_pool" in off.body).toBe(false);
  });

  it("splits co-instructors and keeps seats", () => {
    const checked = toCreateBody(
      draft({ instructors: "ada@example.org, bob@example.org;cy@example.org", seats: "12" }),
    );
    expect(checked.ok && checked.body.instructor_emails).toEqual([
      "ada@example.org",
      "bob@example.org",
      "cy@example.org",
    ]);
    expect(checked.ok && checked.body.seats).toBe(12);
  });

  it.each([
    [{ title: "  " }, "title"],
    [{ template: "" }, "template"],
    [{ startsAt: "" }, "startsAt"],
    [{ endsAt: "2025-09-01T08:00" }, "endsAt"],
    [{ expectedSize: "0" }, "expectedSize"],
    [{ expectedSize: "2.5" }, "expectedSize"],
    [{ seats: "-1" }, "seats"],
    [{ pooled: true, poolSize: "ten" }, "poolSize"],
    [{ pooled: true, leadMinutes: "0" }, "leadMinutes"],
    [{ pooled: true, graceMinutes: "2000" }, "graceMinutes"],
  ] as const)("refuses %o at its field", (overrides, field) => {
    const checked = toCreateBody(draft(overrides));
    expect(checked.ok ? null : checked.field).toBe(field);
  });

  it("does not check pool fields when no pool is asked for", () => {
    expect(toCreateBody(draft({ pooled: false, leadMinutes: "0" })).ok).toBe(true);
  });
});

describe("draftFieldOf", () => {
  it("maps the api's field names to the form's", () => {
    expect(draftFieldOf("warm_pool.size")).toBe("poolSize");
    expect(draftFieldOf("template")).toBe("template");
    expect(draftFieldOf("something else")).toBeNull();
    expect(draftFieldOf(null)).toBeNull();
  });
});
