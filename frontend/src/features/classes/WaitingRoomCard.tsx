// "You are number N in line": the learner's place in a class's waiting room, updated by the
// live stream's `waiting` events; when a seat frees they are sent to their session.
import { useEffect } from "react";
import { useNavigate } from "react-router";
import type { Place } from "../../client/types";
import { useLiveView } from "../../live/liveContext";
import { routes } from "../../routes";
import { spanInWords } from "../../time/countdowns";
import { useLeaveLine, useMyPlace } from "./useClasses";

interface Props {
  classId: string;
  title: string;
  first: Place;
}

export function WaitingRoomCard({ classId, title, first }: Props) {
  const { waiting } = useLiveView();
  const news = waiting.get(String(first.ticket));
  const place = useMyPlace(classId, news?.state === "waiting" || news === undefined);
  const leave = useLeaveLine(classId);
  const navigate = useNavigate();
  const admitted = news?.state === "admitted" ? news.instance : null;
  useEffect(() => {
    if (admitted) void navigate(routes.session(admitted));
  }, [admitted, navigate]);

  if (leave.isSuccess || news?.state === "left") {
    return <p role="status">You left the waiting room of {title}.</p>;
  }
  if (news?.state === "refused") {
    return (
      <p role="alert">
        Your wait for {title} ended: {news.reason ?? "the class has ended"}.
      </p>
    );
  }
  const position = place.data?.position ?? news?.position ?? first.position;
  const estimate = place.data?.estimate_seconds ?? news?.estimate_seconds ?? first.estimate_seconds;
  return (
    <section className="notice waiting-room" aria-labelledby="waiting-heading">
      <h3 id="waiting-heading">Waiting room: {title}</h3>
      <p role="status" aria-live="polite">
        {first.blocked_on === "seats" ? "The class is full" : "The platform is full"}; you are{" "}
        <strong>number {position ?? "?"}</strong> in line.{" "}
        {estimate === null
          ? "No estimate yet: no session has ended recently."
          : `About ${spanInWords(estimate)} to go.`}{" "}
        Keep this page open: your workshop starts as soon as a seat frees.
      </p>
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
    </section>
  );
}
