// "Message the class": shown at once in every learner's dashboard.
import { useState } from "react";
import { describeError } from "../../client/problems";
import { useMessageClass } from "./useClasses";

export function ClassMessageForm({ classId }: { classId: string }) {
  const [text, setText] = useState("");
  const send = useMessageClass(classId);
  return (
    <form
      className="class-message-form"
      onSubmit={(event) => {
        event.preventDefault();
        send.mutate(text.trim(), {
          onSuccess: () => {
            setText("");
          },
        });
      }}
    >
      <label htmlFor="class-message">Message the class</label>
      <textarea
        id="class-message"
        value={text}
        maxLength={2000}
        onChange={(event) => {
          setText(event.target.value);
        }}
      />
      <button type="submit" className="button" disabled={send.isPending || text.trim() === ""}>
        Send to the class
      </button>
      <p role="status" aria-live="polite">
        {send.data ? `Sent to ${send.data.recipients} learner(s).` : null}
        {send.isError ? describeError(send.error).message : null}
      </p>
    </form>
  );
}
