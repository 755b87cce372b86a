// The api's errors as one type the pages can reason about. The api answers every failure
// with RFC 9457 problem+json ({type, title, status, detail, instance, ...extensions}) and an
// X-Trace-Id header; this module turns a failed response (or a request that never reached
// the api) into an ApiError and says what went wrong in plain words, never with a stack.
import type { Instance } from "./types";

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  [extension: string]: unknown;
}

const PROBLEM_BASE = "/problems/";

export class ApiError extends Error {
  /** HTTP status; null when the request never got an answer (network error). */
  readonly status: number | null;
  /** The problem body, when the answer was problem+json. */
  readonly problem: Problem | null;
  /** The api's X-Trace-Id, to quote when asking for help. */
  readonly traceId: string | null;
  /** Seconds from the Retry-After header (or the retry_after extension). */
  readonly retryAfter: number | null;

  constructor(init: {
    status: number | null;
    problem: Problem | null;
    traceId: string | null;
    retryAfter: number | null;
    message: string;
  }) {
    super(init.message);
    this.name = "ApiError";
    this.status = init.status;
    this.problem = init.problem;
    this.traceId = init.traceId;
    this.retryAfter = init.retryAfter;
  }

  /** The last part of the problem type, e.g. "limit-reached"; null without a problem. */
  get kind(): string | null {
    return this.problem ? problemKind(this.problem.type) : null;
  }
}

/** "https://orchestra.io/problems/limit-reached" → "limit-reached". */
export function problemKind(type: string): string {
  const at = type.lastIndexOf(PROBLEM_BASE);
  return at === -1 ? type : type.slice(at + PROBLEM_BASE.length);
}

function isProblem(body: unknown): body is Problem {
  if (typeof body !== "object" || body === null) return false;
  const candidate = body as Record<string, unknown>;
  return typeof candidate.type === "string" && typeof candidate.status === "number";
}

function parseSeconds(text: string | null): number | null {
  if (text === null || !/^\d+$/.test(text.trim())) return null;
  return Number(text.trim());
}

/** An ApiError from a response that was not 2xx and the body openapi-fetch read from it. */
export function fromResponse(response: Response, body: unknown): ApiError {
  const problem = isProblem(body) ? body : null;
  const fromExtension =
    problem && typeof problem.retry_after === "number" ? problem.retry_after : null;
  return new ApiError({
    status: response.status,
    problem,
    traceId: response.headers.get("X-Trace-Id"),
    retryAfter: parseSeconds(response.headers.get("Retry-After")) ?? fromExtension,
    message: problem?.detail ?? `HTTP ${response.status}`,
  });
}

/** An ApiError for a request that got no answer at all (offline, proxy down, aborted). */
export function fromNetworkFailure(): ApiError {
  return new ApiError({
    status: null,
    problem: null,
    traceId: null,
    retryAfter: null,
    message: "network error",
  });
}

/**
 * The learner's session that blocks a launch (409 limit-reached): the api sends the
 * instance body under `existing`, or just its name.
 */
export function existingSessionName(error: unknown): string | null {
  if (!(error instanceof ApiError) || error.kind !== "limit-reached") return null;
  const existing = error.problem?.existing;
  if (typeof existing === "string" && existing !== "") return existing;
  if (typeof existing === "object" && existing !== null) {
    const name = (existing as Partial<Instance>).name;
    if (typeof name === "string" && name !== "") return name;
  }
  return null;
}

/** Seconds to wait before retrying a launch refused for capacity (429); null otherwise. */
export function capacityRetryAfter(error: unknown): number | null {
  if (!(error instanceof ApiError) || error.status !== 429) return null;
  return error.retryAfter ?? 30;
}

/** The api's detail as a sentence: capital first letter, final full stop. */
export function asSentence(text: string): string {
  const trimmed = text.trim();
  if (trimmed === "") return trimmed;
  const first = trimmed.charAt(0).toUpperCase() + trimmed.slice(1);
  return /[.!?]$/.test(first) ? first : `${first}.`;
}

export interface ErrorDescription {
  /** What went wrong, in plain words. */
  message: string;
  /** The trace id to quote, when the api sent one. */
  traceId: string | null;
  /** True for a 401: the browser is on its way to the sign-in page. */
  signingIn: boolean;
}

function fallbackMessage(status: number | null): string {
  if (status === null) {
    return "Orchestra could not be reached. Check your connection and try again.";
  }
  if (status === 401) return "Your sign-in has ended; taking you to the sign-in page…";
  if (status === 403) return "You are not allowed to do that.";
  if (status === 404) return "That could not be found; it may have ended or been removed.";
  if (status === 429) return "The platform is busy right now; try again in a moment.";
  if (status >= 500) {
    return `Something went wrong on the server (HTTP ${status}). Try again in a moment.`;
  }
  return `The request was refused (HTTP ${status}).`;
}

/** Plain words for any error a page can meet: an ApiError, or anything else thrown. */
export function describeError(error: unknown): ErrorDescription {
  if (!(error instanceof ApiError)) {
    return {
      message: "Something went wrong in the dashboard. Reload the page and try again.",
      traceId: null,
      signingIn: false,
    };
  }
  if (error.status === 401) {
    return { message: fallbackMessage(401), traceId: error.traceId, signingIn: true };
  }
  const detail = error.problem?.detail;
  return {
    message: detail ? asSentence(detail) : fallbackMessage(error.status),
    traceId: error.traceId,
    signingIn: false,
  };
}

/** Whether repeating the same request could help (no answer, or a server error). */
export function isWorthRetrying(error: unknown): boolean {
  if (!(error instanceof ApiError)) return false;
  return error.status === null || error.status >= 500;
}
