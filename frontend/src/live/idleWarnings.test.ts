import { describe, expect, it } from "vitest";
import type { IdleWarning } from "../client/types";
import { anInstance } from "../test/fixtures";
import { forgetIdle, idleNoticeOf, recordIdle, type IdleNotices } from "./idleWarnings";

const idle = (since: string, ends: string): IdleWarning => ({
  event_id: "00000000-0000-4000-8000-000000000000",
  version: 1,
  occurred_at: since,
  instance: "jupyter-0901-x7k2p",
  owner: "ada@example.org",
  type: "idle.warning",
  idle_since: since,
  ends_at: ends,
});

const none: IdleNotices = new Map();

describe("idle warnings", () => {
  it("keeps the latest idle period and ignores an older one", () => {
    const first = recordIdle(none, idle("2025-09-01T10:00:00Z", "2025-09-01T10:30:00Z"));
    const later = recordIdle(first, idle("2025-09-01T10:40:00Z", "2025-09-01T11:10:00Z"));
    expect(later.get("jupyter-0901-x7k2p")?.endsAt).toBe("2025-09-01T11:10:00Z");
    expect(recordIdle(later, idle("2025-09-01T10:00:00Z", "2025-09-01T10:30:00Z"))).toBe(later);
  });

  it("forgets a kept session", () => {
    const warned = recordIdle(none, idle("2025-09-01T10:00:00Z", "2025-09-01T10:30:00Z"));
    expect(forgetIdle(warned, "jupyter-0901-x7k2p").size).toBe(0);
    expect(forgetIdle(none, "jupyter-0901-x7k2p")).toBe(none);
  });
});

describe("the idle warning of an instance", () => {
  const warnedOnLoad = anInstance({
    name: "jupyter-0901-x7k2p",
    idle: {
      last_active_at: "2025-09-01T10:00:00Z",
      warning_at: "2025-09-01T10:25:00Z",
      ends_at: "2025-09-01T10:30:00Z",
      warned: true,
    },
  });

  it("comes from the instance after a reload, with no event seen", () => {
    expect(idleNoticeOf(warnedOnLoad, none, null)?.endsAt).toBe("2025-09-01T10:30:00Z");
  });

  it("is none when the instance was not warned and nothing came on the stream", () => {
    const quiet = anInstance({
      idle: {
        last_active_at: "2025-09-01T10:00:00Z",
        warning_at: "2025-09-01T10:25:00Z",
        ends_at: "2025-09-01T10:30:00Z",
        warned: false,
      },
    });
    expect(idleNoticeOf(quiet, none, null)).toBeUndefined();
    expect(idleNoticeOf(anInstance({ idle: null }), none, null)).toBeUndefined();
  });

  it("takes the later idle period of the stream and the instance", () => {
    const streamed = recordIdle(none, idle("2025-09-01T10:40:00Z", "2025-09-01T11:10:00Z"));
    expect(idleNoticeOf(warnedOnLoad, streamed, null)?.endsAt).toBe("2025-09-01T11:10:00Z");
  });

  it("is gone once kept, until a later idle period", () => {
    expect(idleNoticeOf(warnedOnLoad, none, "2025-09-01T10:00:00Z")).toBeUndefined();
    const later = recordIdle(none, idle("2025-09-01T10:40:00Z", "2025-09-01T11:10:00Z"));
    expect(idleNoticeOf(warnedOnLoad, later, "2025-09-01T10:00:00Z")?.idleSince).toBe(
      "2025-09-01T10:40:00Z",
    );
  });
});
