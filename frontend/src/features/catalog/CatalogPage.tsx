// The catalog (/): every workshop the learner can launch, searchable and filterable by tag.
import { useId, useState } from "react";
import { ErrorNotice } from "../../components/ErrorNotice";
import { Loading } from "../../components/Loading";
import { PageHeading } from "../../components/PageHeading";
import { useMySessions } from "../sessions/useMySessions";
import { allTags, filterTemplates } from "./catalogFilter";
import { TemplateCard } from "./TemplateCard";
import { useCatalog } from "./useCatalog";

export function CatalogPage() {
  const id = useId();
  const catalog = useCatalog();
  const sessions = useMySessions();
  const [search, setSearch] = useState("");
  const [selected, setSelected] = useState<ReadonlySet<string>>(() => new Set());

  const templates = catalog.data ?? [];
  const tags = allTags(templates);
  const shown = filterTemplates(templates, search, selected);

  function toggle(tag: string) {
    setSelected((current) => {
      const next = new Set(current);
      if (next.has(tag)) next.delete(tag);
      else next.add(tag);
      return next;
    });
  }

  return (
    <>
      <PageHeading>Catalog</PageHeading>
      <p className="lede">Choose a workshop, pick how long you need it, and launch it.</p>
      {catalog.isPending ? <Loading what="the catalog" /> : null}
      {catalog.isError ? (
        <ErrorNotice
          error={catalog.error}
          context="The catalog could not be loaded."
          onRetry={() => void catalog.refetch()}
        />
      ) : null}
      {sessions.isError ? (
        <ErrorNotice
          error={sessions.error}
          context="Your sessions could not be loaded, so the catalog may not show the ones already running."
        />
      ) : null}
      {catalog.isSuccess ? (
        <>
          <div className="filters">
            <div className="field">
              <label htmlFor={`${id}-search`}>Search templates</label>
              <input
                id={`${id}-search`}
                type="search"
                value={search}
                autoComplete="off"
                onChange={(event) => {
                  setSearch(event.target.value);
                }}
              />
            </div>
            {tags.length > 0 ? (
              <div className="field">
                <span id={`${id}-tags`} className="field-label">
                  Filter by tag
                </span>
                <div role="group" aria-labelledby={`${id}-tags`} className="toggles">
                  {tags.map((tag) => (
                    <button
                      key={tag}
                      type="button"
                      className="toggle"
                      aria-pressed={selected.has(tag)}
                      onClick={() => {
                        toggle(tag);
                      }}
                    >
                      {tag}
                    </button>
                  ))}
                </div>
              </div>
            ) : null}
          </div>
          <p className="muted" aria-live="polite">
            {shown.length === templates.length
              ? `${templates.length} workshop${templates.length === 1 ? "" : "s"}`
              : `${shown.length} of ${templates.length} workshops match`}
          </p>
          {templates.length === 0 ? (
            <p className="empty">The catalog is empty: no workshop can be launched yet.</p>
          ) : null}
          {templates.length > 0 && shown.length === 0 ? (
            <div className="empty">
              <p>No workshop matches your search.</p>
              <button
                type="button"
                className="button"
                onClick={() => {
                  setSearch("");
                  setSelected(new Set());
                }}
              >
                Clear search and filters
              </button>
            </div>
          ) : null}
          <div className="cards">
            {shown.map((template) => (
              <TemplateCard
                key={template.slug}
                template={template}
                sessions={sessions.data ?? []}
              />
            ))}
          </div>
        </>
      ) : null}
    </>
  );
}
