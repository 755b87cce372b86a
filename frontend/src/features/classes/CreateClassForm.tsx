// "Create a class" (admins and instructors): title, workshop, window, expected size, seats,
// co-instructors, and an optional warm pool started before the class so the first learners
// get a Ready workshop at once. Checked as a whole before sending; a refusal is shown next
// to the field it concerns when the api names one, else under the form.
import { useId, useState, type ReactNode } from "react";
import { Link } from "react-router";
import { ApiError, asSentence } from "../../client/problems";
import type { Class } from "../../client/types";
import { ErrorNotice } from "../../components/ErrorNotice";
import { useCatalog } from "../catalog/useCatalog";
import { routes } from "../../routes";
import {
  draftFieldOf,
  emptyDraft,
  toCreateBody,
  type ClassDraft,
  type DraftField,
} from "./classDrafts";
import { useCreateClass } from "./useClasses";

interface FieldProps {
  id: string;
  label: string;
  help?: string;
  error: string | null;
  children: (described: { "aria-describedby"?: string; "aria-invalid"?: true }) => ReactNode;
}

function Field({ id, label, help, error, children }: FieldProps) {
  const ids = [help ? `${id}-help` : null, error ? `${id}-error` : null].filter(Boolean);
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {children({
        ...(ids.length ? { "aria-describedby": ids.join(" ") } : {}),
        ...(error ? { "aria-invalid": true as const } : {}),
      })}
      {help ? (
        <p id={`${id}-help`} className="field-help">
          {help}
        </p>
      ) : null}
      {error ? (
        <p id={`${id}-error`} className="field-error">
          {error}
        </p>
      ) : null}
    </div>
  );
}

export function CreateClassForm({ now = () => new Date() }: { now?: () => Date }) {
  const id = useId();
  const catalog = useCatalog();
  const create = useCreateClass();
  const [draft, setDraft] = useState<ClassDraft>(() => emptyDraft(now()));
  const [invalid, setInvalid] = useState<{ field: DraftField; error: string } | null>(null);
  const [created, setCreated] = useState<Class | null>(null);

  const templates = catalog.data?.filter((t) => t.enabled) ?? [];
  const template = draft.template || (templates[0]?.slug ?? "");

  function set<K extends DraftField>(field: K, value: ClassDraft[K]) {
    setDraft((old) => ({ ...old, [field]: value }));
    setInvalid(null);
    if (!create.isPending) create.reset();
  }

  const failure = create.error;
  const named =
    failure instanceof ApiError &&
    failure.status === 422 &&
    typeof failure.problem?.field === "string"
      ? failure.problem.field
      : null;
  const apiField = draftFieldOf(named);
  // At its field, the api's "warm_pool.size: at most 50 …" needs no field name.
  const apiFieldError =
    apiField && failure instanceof ApiError
      ? asSentence((failure.problem?.detail ?? "").replace(`${named ?? ""}: `, ""))
      : null;
  const errorOf = (field: DraftField): string | null =>
    invalid?.field === field ? invalid.error : apiField === field ? apiFieldError : null;
  const text = (field: DraftField) => ({
    id: `${id}-${field}`,
    value: String(draft[field]),
    onChange: (event: { target: { value: string } }) => {
      set(field, event.target.value);
    },
  });

  return (
    <form
      className="create-class-form"
      noValidate
      onSubmit={(event) => {
        event.preventDefault();
        const checked = toCreateBody({ ...draft, template });
        if (!checked.ok) {
          setInvalid({ field: checked.field, error: checked.error });
          return;
        }
        create.mutate(checked.body, {
          onSuccess: (klass) => {
            setCreated(klass);
            setDraft(emptyDraft(now(), template));
          },
        });
      }}
    >
      <Field id={`${id}-title`} label="Title" error={errorOf("title")}>
        {(aria) => <input type="text" autoComplete="off" {...text("title")} {...aria} />}
      </Field>
      <Field id={`${id}-template`} label="Workshop" error={errorOf("template")}>
        {(aria) => (
          <select {...text("template")} value={template} {...aria}>
            {templates.map((t) => (
              <option key={t.slug} value={t.slug}>
                {t.name}
              </option>
            ))}
          </select>
        )}
      </Field>
      <Field id={`${id}-startsAt`} label="Starts" error={errorOf("startsAt")}>
        {(aria) => <input type="datetime-local" {...text("startsAt")} {...aria} />}
      </Field>
      <Field id={`${id}-endsAt`} label="Ends" error={errorOf("endsAt")}>
        {(aria) => <input type="datetime-local" {...text("endsAt")} {...aria} />}
      </Field>
      <Field id={`${id}-expectedSize`} label="Expected learners" error={errorOf("expectedSize")}>
        {(aria) => <input type="text" inputMode="numeric" {...text("expectedSize")} {...aria} />}
      </Field>
      <Field
        id={`${id}-seats`}
        label="Seats"
        help="At most this many sessions at once; later learners wait in line. Empty: no limit but the platform's."
        error={errorOf("seats")}
      >
        {(aria) => <input type="text" inputMode="numeric" {...text("seats")} {...aria} />}
      </Field>
      <Field
        id={`${id}-instructors`}
        label="Other instructors"
        help="Emails, separated by commas. You are one already."
        error={errorOf("instructors")}
      >
        {(aria) => <input type="text" autoComplete="off" {...text("instructors")} {...aria} />}
      </Field>
      <div className="field field-check">
        <input
          id={`${id}-helpWithoutConsent`}
          type="checkbox"
          checked={draft.helpWithoutConsent}
          onChange={(event) => {
            set("helpWithoutConsent", event.target.checked);
          }}
        />
        <label htmlFor={`${id}-helpWithoutConsent`}>
          Instructors may open learners&apos; workshops to help without asking each learner
          (learners are told when they join; every entry is recorded)
        </label>
      </div>
      <fieldset className="warm-pool-fields">
        <legend>Warm pool</legend>
        <div className="field field-check">
          <input
            id={`${id}-pooled`}
            type="checkbox"
            checked={draft.pooled}
            onChange={(event) => {
              set("pooled", event.target.checked);
            }}
          />
          <label htmlFor={`${id}-pooled`}>Start workshops before the class</label>
        </div>
        {draft.pooled ? (
          <>
            <Field
              id={`${id}-poolSize`}
              label="Warm workshops"
              help="How many to keep ready; each one a learner takes is replaced. Empty: as many as expected."
              error={errorOf("poolSize")}
            >
              {(aria) => <input type="text" inputMode="numeric" {...text("poolSize")} {...aria} />}
            </Field>
            <Field
              id={`${id}-leadMinutes`}
              label="Minutes before the start"
              help="When the pool starts: long enough for the image to be pulled and started."
              error={errorOf("leadMinutes")}
            >
              {(aria) => (
                <input type="text" inputMode="numeric" {...text("leadMinutes")} {...aria} />
              )}
            </Field>
            <Field
              id={`${id}-graceMinutes`}
              label="Minutes kept after the start"
              help="For latecomers; then the workshops nobody took are removed."
              error={errorOf("graceMinutes")}
            >
              {(aria) => (
                <input type="text" inputMode="numeric" {...text("graceMinutes")} {...aria} />
              )}
            </Field>
          </>
        ) : null}
      </fieldset>
      <button type="submit" className="button button-primary" disabled={create.isPending}>
        {create.isPending ? "Creating…" : "Create the class"}
      </button>
      <p role="status" aria-live="polite">
        {created ? (
          <>
            Created <Link to={routes.classRoster(created.id)}>{created.title}</Link>; join code{" "}
            <code className="join-code">{created.join_code}</code>.
          </>
        ) : null}
      </p>
      {failure && apiField === null ? (
        <ErrorNotice error={failure} context="The class could not be created." />
      ) : null}
      {catalog.isError ? (
        <ErrorNotice error={catalog.error} context="The workshops could not be read." />
      ) : null}
    </form>
  );
}
