// Admin › Catalog (/admin/catalog): every template as loaded, disabled ones included, with
// the file it came from and its YAML exactly as written. Read-only: templates change by
// review of the files, not here.
import { useId } from "react";
import type { TemplateSource } from "../../client/types";
import { ErrorNotice } from "../../components/ErrorNotice";
import { Loading } from "../../components/Loading";
import { PageHeading } from "../../components/PageHeading";
import { ScrollRegion } from "../../components/ScrollRegion";
import { useAdminTemplates } from "./useAdminSessions";

function TemplateSourceCard({ template }: { template: TemplateSource }) {
  const id = useId();
  return (
    <article className="card" aria-labelledby={`${id}-name`}>
      <h2 id={`${id}-name`} className="card-title">
        {template.name}
      </h2>
      <dl className="facts">
        <dt>Slug</dt>
        <dd>
          <code>{template.slug}</code>
        </dd>
        <dt>File</dt>
        <dd>
          <code id={`${id}-file`}>{template.file}</code>
        </dd>
        <dt>Enabled</dt>
        <dd>{template.enabled ? "Yes" : "No"}</dd>
        <dt>Image</dt>
        <dd>
          <code>{template.image}</code>
        </dd>
      </dl>
      {/* Named by the file (shown once: the dd above), so the region reads "rstudio.yaml". */}
      <ScrollRegion labelledBy={`${id}-file`}>
        <pre className="yaml">
          <code>{template.yaml}</code>
        </pre>
      </ScrollRegion>
    </article>
  );
}

export function AdminCatalogPage() {
  const templates = useAdminTemplates();
  return (
    <>
      <PageHeading>Catalog (read-only)</PageHeading>
      <p className="lede">
        Templates are YAML files reviewed like code; this page shows them as the api loaded them.
      </p>
      {templates.isPending ? <Loading what="the templates" /> : null}
      {templates.isError ? (
        <ErrorNotice
          error={templates.error}
          context="The templates could not be loaded."
          onRetry={() => void templates.refetch()}
        />
      ) : null}
      {templates.isSuccess && templates.data.length === 0 ? (
        <p className="empty">The catalog has no templates.</p>
      ) : null}
      <div className="stack">
        {templates.data?.map((template) => (
          <TemplateSourceCard key={template.file} template={template} />
        ))}
      </div>
    </>
  );
}
