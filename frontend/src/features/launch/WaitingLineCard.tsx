// "You are number N in line, about M minutes": a launch that found the platform full waits
// for a free place. The live stream's `waiting` events move it (the ticket is re-read now
// and then too, in case the stream is down); "Leave the line" gives the place up; when the
// launch is admitted the page goes to the new session.
import { useEffect } from "react";
import { useNavigate } from "react-router";
import type { WaitingTicket } from "../../client/types";
import { ErrorNotice } from "../../components/ErrorNotice";
import { useLiveView } from "../../live/liveContext";
import { routes } from "../../routes";
import { useLeaveTicket, useWaitingTicket } from "./useWaitingTicket";
import { lineText } from "./waitingLine";

interface Props {
  first: WaitingTicket;
}

export function WaitingLineCard({ first }: Props) {
  const { waiting } = useLiveView();
  const news = waiting.get(String(first.ticket));
  const ticket = useWaitingTicket(first).data;
  const leave = useLeaveTicket(first.ticket);
  const navigate = useNavigate();
  const admitted =
    (news?.state === "admitted" ? news.instance : null) ??
    (ticket.state === "admitted" ? ticket.instance : null);
  useEffect(() => {
    if (admitted) void navigate(routes.session(admitted));
  }, [admitted, navigate]);

  const state = news && news.state !== "waiting" ? news.state : ticket.state;
  if (state === "left") {
    return <p role="status">You left the line.</p>;
  }
  if (state === "refused") {
    return (
      <p role="alert" className="notice notice-warning">
        Your wait ended without a workshop: {news?.reason ?? ticket.reason ?? "refused"}.
      </p>
    );
  }
  if (admitted) return <p role="status">A place is free: starting your workshop…</p>;
  const position = news?.state === "waiting" ? news.position : ticket.position;
  const estimate = news?.state === "waiting" ? news.estimate_seconds : ticket.estimate_seconds;
  const full = ticket.blocked_on === "template" ? "This workshop is" : "The platform is";
  return (
    <section className="notice waiting-room" aria-label="Waiting for a free place">
      <p>{full} full right now, so you are waiting in line; nobody can take your place.</p>
      <p role="status" aria-live="polite">
        {lineText(position ?? null, estimate ?? null)}
      </p>
      <p>Keep this page open: your workshop starts as soon as a place frees.</p>
      <button
        type="button"
        className="button"
        disabled={leave.isPending}
        onClick={() => {
          leave.mutate();
        }}
      >
        Leave the line
      </button>
      {leave.isError ? (
        <ErrorNotice error={leave.error} context="You could not leave the line." />
      ) : null}
    </section>
  );
}
