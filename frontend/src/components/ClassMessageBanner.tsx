// What an instructor said to a class the learner joined, shown on every page until read.
import { useLiveView } from "../live/liveContext";
import { formatTime } from "../time/timestamps";

export function ClassMessageBanner() {
  const { classMessages, dismissMessages } = useLiveView();
  if (classMessages.length === 0) return null;
  return (
    <section className="notice class-messages" aria-label="Messages from your instructors">
      <ul>
        {classMessages.map((message) => (
          <li key={message.event_id}>
            <strong>{message.class_title}</strong> ({message.author},{" "}
            {formatTime(message.occurred_at)}): {message.body}
          </li>
        ))}
      </ul>
      <button type="button" className="button" onClick={dismissMessages}>
        Got it
      </button>
    </section>
  );
}
