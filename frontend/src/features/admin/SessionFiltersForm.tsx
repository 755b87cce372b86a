// The admin sessions filters: "User" (applied as you type, after a pause, or on Enter),
// "Template" and "Phase" (applied when chosen).
import { useEffect, useId, useState, type SubmitEvent } from "react";
import { PHASES, type Phase } from "../../client/types";
import type { SessionFilters } from "./useAdminSessions";

interface Props {
  filters: SessionFilters;
  templates: readonly { slug: string; name: string }[];
  onFilter: (field: keyof SessionFilters, value: string) => void;
}

const TYPING_PAUSE_MS = 400;

function isPhase(value: string): value is Phase {
  return (PHASES as readonly string[]).includes(value);
}

export function SessionFiltersForm({ filters, templates, onFilter }: Props) {
  const id = useId();
  const [user, setUser] = useState(filters.user);

  const applied = filters.user;
  useEffect(() => {
    if (user.trim() === applied) return undefined;
    const timer = window.setTimeout(() => {
      onFilter("user", user.trim());
    }, TYPING_PAUSE_MS);
    return () => {
      window.clearTimeout(timer);
    };
  }, [user, applied, onFilter]);

  function submit(event: SubmitEvent<HTMLFormElement>) {
    event.preventDefault();
    onFilter("user", user.trim());
  }

  const knownTemplate = templates.some((template) => template.slug === filters.template);

  return (
    <form className="filters" onSubmit={submit}>
      <div className="field">
        <label htmlFor={`${id}-user`}>User</label>
        <input
          id={`${id}-user`}
          type="search"
          inputMode="email"
          autoComplete="off"
          placeholder="learner@example.org"
          value={user}
          onChange={(event) => {
            setUser(event.target.value);
          }}
        />
      </div>
      <div className="field">
        <label htmlFor={`${id}-template`}>Template</label>
        <select
          id={`${id}-template`}
          value={filters.template}
          onChange={(event) => {
            onFilter("template", event.target.value);
          }}
        >
          <option value="">Any template</option>
          {templates.map((template) => (
            <option key={template.slug} value={template.slug}>
              {template.name} ({template.slug})
            </option>
          ))}
          {filters.template !== "" && !knownTemplate ? (
            <option value={filters.template}>{filters.template}</option>
          ) : null}
        </select>
      </div>
      <div className="field">
        <label htmlFor={`${id}-phase`}>Phase</label>
        <select
          id={`${id}-phase`}
          value={filters.phase}
          onChange={(event) => {
            const value = event.target.value;
            onFilter("phase", isPhase(value) ? value : "");
          }}
        >
          <option value="">Any phase</option>
          {PHASES.map((phase) => (
            <option key={phase} value={phase}>
              {phase}
            </option>
          ))}
        </select>
      </div>
      <div className="field field-button">
        <button type="submit" className="button">
          Apply filters
        </button>
      </div>
    </form>
  );
}
