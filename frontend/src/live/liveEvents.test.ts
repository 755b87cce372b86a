import { beforeEach, describe, expect, it } from "vitest";
import type { StatusChanged } from "../client/types";
import {
  backoffDelay,
  eventsUrl,
  LiveConnection,
  type ConnectionState,
  type EventSourceLike,
  type LiveMessage,
} from "./liveEvents";

/** A controllable EventSource: the test opens it, fails it and pushes events into it. */
class FakeEventSource implements EventSourceLike {
  onopen: ((event: Event) => void) | null = null;
  onerror: ((event: Event) => void) | null = null;
  closed = false;
  private readonly listeners = new Map<string, ((event: MessageEvent<string>) => void)[]>();

  readonly url: string;

  constructor(url: string) {
    this.url = url;
  }

  addEventListener(type: string, listener: (event: MessageEvent<string>) => void): void {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
  }

  close(): void {
    this.closed = true;
  }

  open(): void {
    this.onopen?.(new Event("open"));
  }

  fail(): void {
    this.onerror?.(new Event("error"));
  }

  emit(type: string, data: unknown, id = ""): void {
    const event = new MessageEvent<string>(type, {
      data: typeof data === "string" ? data : JSON.stringify(data),
      lastEventId: id,
    });
    for (const listener of this.listeners.get(type) ?? []) listener(event);
  }
}

/** A clock the test advances by hand. */
class FakeClock {
  now = 0;
  private pending: { at: number; run: () => void; cancelled: boolean }[] = [];

  schedule = (run: () => void, ms: number): (() => void) => {
    const entry = { at: this.now + ms, run, cancelled: false };
    this.pending.push(entry);
    return () => {
      entry.cancelled = true;
    };
  };

  advance(ms: number): void {
    this.now += ms;
    const due = this.pending.filter((entry) => entry.at <= this.now && !entry.cancelled);
    this.pending = this.pending.filter((entry) => entry.at > this.now && !entry.cancelled);
    for (const entry of due) entry.run();
  }

  get waiting(): number[] {
    return this.pending.filter((entry) => !entry.cancelled).map((entry) => entry.at - this.now);
  }
}

const status = (phase: StatusChanged["phase"]): StatusChanged => ({
  event_id: "8c0e1d2a-0000-4000-8000-000000000000",
  type: "status.changed",
  version: 1,
  instance: "rstudio-1",
  owner: "ada@example.org",
  phase,
  reason: null,
  message: null,
  url: null,
  transitioned_at: "2025-09-01T09:00:05Z",
  occurred_at: "2025-09-01T09:00:05Z",
});

describe("backoffDelay", () => {
  it("doubles from half a second up to ten seconds", () => {
    expect([0, 1, 2, 3, 4, 5, 6, 10].map(backoffDelay)).toEqual([
      500, 1000, 2000, 4000, 8000, 10_000, 10_000, 10_000,
    ]);
  });
});

describe("eventsUrl", () => {
  it("asks for the learner's events, or everyone's, replaying after the last id", () => {
    expect(eventsUrl("mine", null)).toBe("/api/v1/events");
    expect(eventsUrl("all", null)).toBe("/api/v1/events?scope=all");
    expect(eventsUrl("mine", "42")).toBe("/api/v1/events?last_event_id=42");
    expect(eventsUrl("all", "42")).toBe("/api/v1/events?scope=all&last_event_id=42");
  });
});

describe("LiveConnection", () => {
  let sources: FakeEventSource[];
  let clock: FakeClock;
  let states: ConnectionState[];
  let messages: LiveMessage[];
  let reconnects: number;

  function connect(scope: "mine" | "all" = "mine"): LiveConnection {
    const connection = new LiveConnection(
      scope,
      {
        onMessage: (message) => messages.push(message),
        onState: (state) => states.push(state),
        onReconnected: () => {
          reconnects += 1;
        },
      },
      {
        open: (url) => {
          const source = new FakeEventSource(url);
          sources.push(source);
          return source;
        },
        schedule: clock.schedule,
      },
    );
    connection.start();
    return connection;
  }

  const latest = () => {
    const source = sources.at(-1);
    if (!source) throw new Error("no source opened");
    return source;
  };

  beforeEach(() => {
    sources = [];
    clock = new FakeClock();
    states = [];
    messages = [];
    reconnects = 0;
  });

  it("opens one stream and says live once it is open", () => {
    const connection = connect();
    expect(sources.map((source) => source.url)).toEqual(["/api/v1/events"]);
    expect(states).toEqual(["connecting"]);
    latest().open();
    expect(connection.state).toBe("live");
    expect(states).toEqual(["connecting", "live"]);
  });

  it("uses scope=all for admin pages", () => {
    connect("all");
    expect(latest().url).toBe("/api/v1/events?scope=all");
  });

  it("passes status and expiring events on and remembers the last id", () => {
    const connection = connect();
    latest().open();
    latest().emit("status", status("Pending"), "41");
    latest().emit(
      "expiring",
      {
        instance: "rstudio-1",
        owner: "ada@example.org",
        expires_at: "2025-09-01T11:00:00Z",
        lead_seconds: 900,
      },
      "42",
    );
    expect(messages.map((message) => message.kind)).toEqual(["status", "expiring"]);
    expect(messages[0]).toMatchObject({ kind: "status", id: "41", event: { phase: "Pending" } });
    expect(connection.lastEventId).toBe("42");
  });

  it("skips unreadable events", () => {
    const connection = connect();
    latest().open();
    latest().emit("status", "not json", "7");
    latest().emit("status", { nothing: true }, "8");
    expect(messages).toEqual([]);
    expect(connection.lastEventId).toBeNull();
  });

  it("on error closes the stream and reopens it with backoff, replaying after the last id", () => {
    connect();
    latest().open();
    latest().emit("status", status("Pending"), "41");
    const first = latest();
    first.fail();
    expect(first.closed).toBe(true);
    expect(states.at(-1)).toBe("reconnecting");
    expect(clock.waiting).toEqual([500]);

    clock.advance(499);
    expect(sources).toHaveLength(1);
    clock.advance(1);
    expect(sources).toHaveLength(2);
    expect(latest().url).toBe("/api/v1/events?last_event_id=41");
  });

  it("remembers where a new stream starts, so a drop before any event still replays", () => {
    const connection = connect();
    latest().open();
    latest().emit("hello", { position: 30 }, "30");
    expect(connection.lastEventId).toBe("30");
    latest().fail();
    clock.advance(500);
    expect(latest().url).toBe("/api/v1/events?last_event_id=30");
  });

  it("backs off exponentially while reconnects fail, up to 10 s", () => {
    connect();
    const delays: number[] = [];
    for (let attempt = 0; attempt < 7; attempt += 1) {
      latest().fail();
      const [delay] = clock.waiting;
      if (delay === undefined) throw new Error("no retry scheduled");
      delays.push(delay);
      clock.advance(delay);
    }
    expect(delays).toEqual([500, 1000, 2000, 4000, 8000, 10_000, 10_000]);
    expect(sources).toHaveLength(8);
    expect(sources.slice(0, -1).every((source) => source.closed)).toBe(true);
  });

  it("resets the backoff after a successful open, and reports the reconnect", () => {
    connect();
    latest().open();
    latest().fail();
    clock.advance(500);
    latest().fail();
    clock.advance(1000);
    expect(reconnects).toBe(0);
    latest().open();
    expect(states.at(-1)).toBe("live");
    expect(reconnects).toBe(1);
    latest().fail();
    expect(clock.waiting).toEqual([500]);
  });

  it("passes resync on without changing the last id", () => {
    const connection = connect();
    latest().open();
    latest().emit("status", status("Ready"), "50");
    latest().emit("resync", {}, "50");
    expect(messages.at(-1)).toEqual({ kind: "resync" });
    expect(connection.lastEventId).toBe("50");
  });

  it("ignores a replaced stream and stops cleanly", () => {
    const connection = connect();
    const first = latest();
    first.fail();
    clock.advance(500);
    first.emit("status", status("Ready"), "99");
    first.open();
    expect(messages).toEqual([]);
    expect(connection.state).toBe("reconnecting");

    latest().fail();
    connection.stop();
    clock.advance(60_000);
    expect(sources).toHaveLength(2);
    expect(latest().closed).toBe(true);
  });

  it("starts again after a stop, replaying after the last id and reporting a reconnect", () => {
    const connection = connect();
    latest().open();
    latest().emit("status", status("Ready"), "60");
    connection.stop();
    expect(latest().closed).toBe(true);
    connection.start();
    expect(latest().url).toBe("/api/v1/events?last_event_id=60");
    expect(states.at(-1)).toBe("connecting");
    latest().open();
    expect(reconnects).toBe(1);
  });
});
