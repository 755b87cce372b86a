// The live stream's connection, kept free of React so its reconnect rules can be tested
// with a fake EventSource and a fake clock.
//
// Why it does not rely on EventSource's own reconnects alone: those retry at a fixed pace
// forever and cannot tell "live" from "trying". Here every error closes the source and a new
// one is opened after an exponential backoff (0.5 s, 1 s, 2 s … at most 10 s, back to 0.5 s
// after a successful open), asking the api to replay what was missed with `last_event_id`
// (the id of the last event seen). A `resync` event means the api could not replay; the
// listener then re-reads everything.
import type {
  ClassMessage,
  Expiring,
  IdleWarning,
  StatusChanged,
  WaitingChanged,
  WorkspaceExpiring,
} from "../client/types";

export type ConnectionState = "connecting" | "live" | "reconnecting";
export type Scope = "mine" | "all";

/** The part of EventSource this module uses (a fake in tests). */
export interface EventSourceLike {
  onopen: ((event: Event) => void) | null;
  onerror: ((event: Event) => void) | null;
  addEventListener(type: string, listener: (event: MessageEvent<string>) => void): void;
  close(): void;
}

export type LiveMessage =
  | { kind: "status"; id: string | null; event: StatusChanged }
  | { kind: "expiring"; id: string | null; event: Expiring }
  | { kind: "idle"; id: string | null; event: IdleWarning }
  /** An instructor's message to a class the learner joined. */
  | { kind: "class-message"; id: string | null; event: ClassMessage }
  /** The learner's place in a class's waiting room moved, or their wait ended. */
  | { kind: "waiting"; id: string | null; event: WaitingChanged }
  /** The learner's unused persistent workspace will be deleted unless they keep it. */
  | { kind: "workspace"; id: string | null; event: WorkspaceExpiring }
  | { kind: "resync" }
  /** The first event of a new stream: its id is where the stream starts. */
  | { kind: "hello"; id: string | null };

export interface LiveHandlers {
  onMessage(message: LiveMessage): void;
  onState(state: ConnectionState): void;
  /** Called when a connection opens again after a failure (state may have been missed). */
  onReconnected(): void;
}

export interface LiveDependencies {
  open(url: string): EventSourceLike;
  /** Runs `run` after `ms`; returns a function that cancels it. */
  schedule(run: () => void, ms: number): () => void;
}

export const EVENTS_PATH = "/api/v1/events";
const FIRST_DELAY_MS = 500;
const MAX_DELAY_MS = 10_000;

/** Delay before reconnect attempt number `attempt` (0-based): 0.5 s doubling, at most 10 s. */
export function backoffDelay(attempt: number): number {
  return Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** Math.max(0, attempt));
}

/** The stream's URL for a scope, asking for a replay after `lastEventId` when known. */
export function eventsUrl(scope: Scope, lastEventId: string | null): string {
  const query = new URLSearchParams();
  if (scope === "all") query.set("scope", "all");
  if (lastEventId !== null) query.set("last_event_id", lastEventId);
  const text = query.toString();
  return text === "" ? EVENTS_PATH : `${EVENTS_PATH}?${text}`;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

/** One SSE message as a LiveMessage; null for anything unreadable (it is skipped). */
export function readMessage(type: string, event: MessageEvent<string>): LiveMessage | null {
  const id = event.lastEventId === "" ? null : event.lastEventId;
  if (type === "resync") return { kind: "resync" };
  if (type === "hello") return { kind: "hello", id };
  const data = parseJson(event.data);
  if (!isRecord(data)) return null;
  // Class notices concern a class, not an instance.
  if (
    type === "class-message" &&
    typeof data.class_id === "string" &&
    typeof data.body === "string"
  ) {
    return { kind: "class-message", id, event: data as unknown as ClassMessage };
  }
  // A place in the waiting room: a class's join or an ordinary launch (no class), by ticket.
  if (type === "waiting" && typeof data.ticket === "number" && typeof data.state === "string") {
    return { kind: "waiting", id, event: data as unknown as WaitingChanged };
  }
  if (
    type === "workspace" &&
    typeof data.template_slug === "string" &&
    typeof data.deletes_at === "string"
  ) {
    return { kind: "workspace", id, event: data as unknown as WorkspaceExpiring };
  }
  if (typeof data.instance !== "string") return null;
  if (type === "status" && typeof data.phase === "string") {
    return { kind: "status", id, event: data as unknown as StatusChanged };
  }
  if (type === "expiring" && typeof data.lead_seconds === "number") {
    return { kind: "expiring", id, event: data as unknown as Expiring };
  }
  if (type === "idle" && typeof data.ends_at === "string" && typeof data.idle_since === "string") {
    return { kind: "idle", id, event: data as unknown as IdleWarning };
  }
  return null;
}

const EVENT_TYPES = [
  "hello",
  "status",
  "expiring",
  "idle",
  "class-message",
  "waiting",
  "workspace",
  "resync",
] as const;

export class LiveConnection {
  private source: EventSourceLike | null = null;
  private cancelRetry: (() => void) | null = null;
  private attempt = 0;
  private failedSinceOpen = false;
  private everOpened = false;
  private stopped = true;
  private current: ConnectionState = "connecting";
  /** The id of the last event seen: replay starts after it. */
  lastEventId: string | null = null;

  private readonly scope: Scope;
  private readonly handlers: LiveHandlers;
  private readonly dependencies: LiveDependencies;

  constructor(scope: Scope, handlers: LiveHandlers, dependencies: LiveDependencies) {
    this.scope = scope;
    this.handlers = handlers;
    this.dependencies = dependencies;
  }

  get state(): ConnectionState {
    return this.current;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    // Started again after a stop (a page back from the back/forward cache): what was
    // missed is replayed, and the listener is told to re-read, as after any reconnect.
    if (this.everOpened) this.failedSinceOpen = true;
    this.attempt = 0;
    this.current = "connecting";
    this.handlers.onState("connecting");
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    this.cancelRetry?.();
    this.cancelRetry = null;
    this.closeSource();
  }

  private setState(state: ConnectionState): void {
    if (state === this.current) return;
    this.current = state;
    this.handlers.onState(state);
  }

  private closeSource(): void {
    if (this.source === null) return;
    const source = this.source;
    this.source = null;
    source.onopen = null;
    source.onerror = null;
    source.close();
  }

  private connect(): void {
    this.cancelRetry = null;
    if (this.stopped) return;
    const source = this.dependencies.open(eventsUrl(this.scope, this.lastEventId));
    this.source = source;
    source.onopen = () => {
      if (this.source !== source) return;
      this.attempt = 0;
      this.everOpened = true;
      this.setState("live");
      if (this.failedSinceOpen) {
        this.failedSinceOpen = false;
        this.handlers.onReconnected();
      }
    };
    source.onerror = () => {
      if (this.source !== source) return;
      this.fail();
    };
    for (const type of EVENT_TYPES) {
      source.addEventListener(type, (event) => {
        if (this.source !== source) return;
        this.receive(type, event);
      });
    }
  }

  private receive(type: string, event: MessageEvent<string>): void {
    const message = readMessage(type, event);
    if (message === null) return;
    if (message.kind !== "resync" && message.id !== null) this.lastEventId = message.id;
    this.handlers.onMessage(message);
  }

  private fail(): void {
    this.closeSource();
    if (this.stopped) return;
    this.failedSinceOpen = true;
    this.setState("reconnecting");
    const delay = backoffDelay(this.attempt);
    this.attempt += 1;
    this.cancelRetry = this.dependencies.schedule(() => {
      this.connect();
    }, delay);
  }
}

/** The browser's EventSource and timers. */
export const browserDependencies: LiveDependencies = {
  open: (url) => new EventSource(url, { withCredentials: true }),
  schedule: (run, ms) => {
    const timer = window.setTimeout(run, ms);
    return () => {
      window.clearTimeout(timer);
    };
  },
};
