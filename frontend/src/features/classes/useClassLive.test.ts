import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { classEventsUrl, coalesce } from "./useClassLive";

describe("the instructor's live class", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("reads the roster once for a burst of events, and again for a later one", () => {
    const run = vi.fn();
    const refresh = coalesce(run, 1000);
    for (let i = 0; i < 30; i += 1) refresh.poke();
    vi.advanceTimersByTime(0);
    expect(run).toHaveBeenCalledTimes(1);
    refresh.poke();
    refresh.poke();
    vi.advanceTimersByTime(999);
    expect(run).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(1);
    expect(run).toHaveBeenCalledTimes(2);
  });

  it("forgets a pending read when the page goes", () => {
    const run = vi.fn();
    const refresh = coalesce(run, 1000);
    refresh.poke();
    refresh.cancel();
    vi.advanceTimersByTime(5000);
    expect(run).not.toHaveBeenCalled();
  });

  it("streams the class by its id", () => {
    expect(classEventsUrl("k 1")).toBe("/api/v1/classes/k%201/events");
  });
});
