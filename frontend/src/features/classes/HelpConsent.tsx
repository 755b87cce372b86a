// On a learner's class session: whether the class's instructors may open it to help, the
// learner's switch, and every time an instructor came in (as the gate recorded it).
import type { Instance } from "../../client/types";
import { formatDateTime } from "../../time/timestamps";
import { useHelp, useSetHelp } from "./useHelp";

export function HelpConsent({ instance }: { instance: Instance }) {
  const help = useHelp(instance.name, instance.class_id != null);
  const change = useSetHelp(instance.name);
  if (instance.class_id == null || !help.data) return null;
  const data = help.data;
  return (
    <section className="help-consent" aria-label="Help from your instructors">
      {data.without_consent ? (
        <p>
          The instructors of {data.class_title} may open this workshop to help you (the class was
          set up that way).
        </p>
      ) : data.consent ? (
        <p>
          The instructors of {data.class_title} may open this workshop to help you.{" "}
          <button
            type="button"
            className="button secondary"
            disabled={change.isPending}
            onClick={() => {
              change.mutate(false);
            }}
          >
            Stop letting instructors in
          </button>
        </p>
      ) : (
        <p>
          Stuck? Let the instructors of {data.class_title} open this workshop to help.{" "}
          <button
            type="button"
            className="button secondary"
            disabled={change.isPending}
            onClick={() => {
              change.mutate(true);
            }}
          >
            Let instructors in
          </button>
        </p>
      )}
      {change.isError ? <p role="alert">{change.error.message}</p> : null}
      {data.accesses.length > 0 ? (
        <>
          <p>Who came in to help:</p>
          <ul className="help-accesses">
            {data.accesses.map((access) => (
              <li key={`${access.by}-${access.at}`}>
                {access.by} at {formatDateTime(access.at)}
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </section>
  );
}
