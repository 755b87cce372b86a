// The learner types a class's join code: they get a session (and go to it), or a place in
// the class's waiting room, shown with its position and estimate as the line moves.
import { useState } from "react";
import { useNavigate } from "react-router";
import { describeError } from "../../client/problems";
import type { Joined } from "../../client/types";
import { routes } from "../../routes";
import { WaitingRoomCard } from "./WaitingRoomCard";
import { useJoinClass } from "./useClasses";

export function JoinClassForm() {
  const [code, setCode] = useState("");
  const [joined, setJoined] = useState<Joined | null>(null);
  const join = useJoinClass();
  const navigate = useNavigate();
  const refusal = join.isError ? describeError(join.error) : null;
  return (
    <>
      <form
        className="join-form"
        onSubmit={(event) => {
          event.preventDefault();
          join.mutate(code.trim(), {
            onSuccess: (answer) => {
              if (answer.instance) void navigate(routes.session(answer.instance.name));
              else setJoined(answer);
            },
          });
        }}
      >
        <label htmlFor="join-code">Join code</label>
        <input
          id="join-code"
          value={code}
          autoComplete="off"
          onChange={(event) => {
            setCode(event.target.value);
          }}
        />
        <button type="submit" className="button" disabled={join.isPending || code.trim() === ""}>
          {join.isPending ? "Joining…" : "Join"}
        </button>
      </form>
      {refusal && !refusal.signingIn ? <p role="alert">{refusal.message}</p> : null}
      {joined?.class.help_without_consent ? (
        <p className="muted">
          In {joined.class.title}, the instructors may open your workshop to help without asking;
          each time they do is recorded and shown on your session.
        </p>
      ) : null}
      {joined?.waiting ? (
        <WaitingRoomCard
          classId={joined.class.id}
          title={joined.class.title}
          first={joined.waiting}
        />
      ) : null}
    </>
  );
}
