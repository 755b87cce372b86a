import { describe, expect, it } from "vitest";
import { anInstance } from "../../test/fixtures";
import { DEFAULT_SORT, nextSort, sortSessions } from "./sessionSorting";

const a = anInstance({
  name: "a",
  owner: "zoe@x.org",
  phase: "Ready",
  created_at: "2025-09-01T09:00:00Z",
});
const b = anInstance({
  name: "b",
  owner: "ada@x.org",
  phase: "Pending",
  created_at: "2025-09-01T10:00:00Z",
});
const c = anInstance({
  name: "c",
  owner: "max@x.org",
  phase: "Failed",
  created_at: "2025-09-01T08:00:00Z",
});

const names = (items: ReturnType<typeof sortSessions>) => items.map((item) => item.name);

describe("sortSessions", () => {
  it("sorts by text, phase order and time, in either direction", () => {
    expect(names(sortSessions([a, b, c], { column: "owner", direction: "ascending" }))).toEqual([
      "b",
      "c",
      "a",
    ]);
    expect(names(sortSessions([a, b, c], { column: "phase", direction: "ascending" }))).toEqual([
      "b",
      "a",
      "c",
    ]);
    expect(names(sortSessions([a, b, c], DEFAULT_SORT))).toEqual(["b", "a", "c"]);
  });

  it("keeps the api's order for ties", () => {
    const same = [a, b, c].map((item) => ({ ...item, template: "rstudio" }));
    expect(names(sortSessions(same, { column: "template", direction: "descending" }))).toEqual([
      "a",
      "b",
      "c",
    ]);
  });
});

describe("nextSort", () => {
  it("flips the same column and starts a new one ascending (times newest first)", () => {
    expect(nextSort(DEFAULT_SORT, "created_at")).toEqual({
      column: "created_at",
      direction: "ascending",
    });
    expect(nextSort(DEFAULT_SORT, "name")).toEqual({ column: "name", direction: "ascending" });
    expect(nextSort(DEFAULT_SORT, "expires_at")).toEqual({
      column: "expires_at",
      direction: "descending",
    });
  });
});
