// One workshop in the catalog: what it is (name, tier, durations, tags, its Markdown
// description), where its material lives, and either a way to launch it or, when the
// learner already has a session of it, the way to that session.
import { useId } from "react";
import { Link } from "react-router";
import type { Instance, Template } from "../../client/types";
import { MarkdownText } from "../../components/MarkdownText";
import { safeUrl } from "../../components/markdownUrls";
import { routes } from "../../routes";
import { durationInWords, parseApiDuration } from "../../time/durations";
import { LaunchForm } from "../launch/LaunchForm";
import { OpenWorkshopLink } from "../sessions/OpenWorkshopLink";
import { sessionForTemplate } from "./activeSessions";

function inWords(duration: string): string {
  const seconds = parseApiDuration(duration);
  return seconds === null ? duration : durationInWords(Math.floor(seconds / 60));
}

function ExternalLink({ href, children }: { href: string | null; children: string }) {
  const safe = href ? safeUrl(href) : null;
  if (!safe) return null;
  return (
    <a href={safe} rel="noopener noreferrer">
      {children}
    </a>
  );
}

interface Props {
  template: Template;
  sessions: readonly Instance[];
}

export function TemplateCard({ template, sessions }: Props) {
  const headingId = useId();
  const session = sessionForTemplate(template.slug, sessions);

  return (
    <article className="card template-card" aria-labelledby={headingId}>
      <h2 id={headingId} className="card-title">
        {template.name}
      </h2>
      <dl className="facts">
        <dt>Tier</dt>
        <dd>{template.tier}</dd>
        <dt>Default duration</dt>
        <dd>{inWords(template.default_duration)}</dd>
        <dt>Longest</dt>
        <dd>{inWords(template.max_duration)}</dd>
      </dl>
      {template.tags.length > 0 ? (
        <ul className="tags" aria-label="Tags">
          {template.tags.map((tag) => (
            <li key={tag} className="tag">
              {tag}
            </li>
          ))}
        </ul>
      ) : null}
      <MarkdownText text={template.description} />
      {template.url || template.source_url ? (
        <p className="links">
          <ExternalLink href={template.url}>Course material</ExternalLink>{" "}
          <ExternalLink href={template.source_url}>Source</ExternalLink>
        </p>
      ) : null}
      <div className="card-action">
        {session.kind === "ready" ? (
          <div className="actions">
            {session.instance.url && safeUrl(session.instance.url) ? (
              <OpenWorkshopLink
                name={session.instance.name}
                url={session.instance.url}
                label="Open"
              />
            ) : (
              <Link className="button button-primary" to={routes.session(session.instance.name)}>
                Open
              </Link>
            )}
            <Link to={routes.session(session.instance.name)}>Session details</Link>
          </div>
        ) : null}
        {session.kind === "starting" ? (
          <div className="actions">
            <p className="in-progress">In progress</p>
            <Link to={routes.session(session.instance.name)}>See launch progress</Link>
          </div>
        ) : null}
        {session.kind === "ending" ? (
          <div className="actions">
            <p className="in-progress">Your session of this workshop is ending…</p>
            <Link to={routes.session(session.instance.name)}>Session details</Link>
          </div>
        ) : null}
        {session.kind === "none" || session.kind === "failed" ? (
          template.enabled ? (
            <>
              {session.kind === "failed" ? (
                <p className="hint">
                  Your last session of this workshop failed.{" "}
                  <Link to={routes.session(session.instance.name)}>See what went wrong</Link>
                </p>
              ) : null}
              <LaunchForm template={template} />
            </>
          ) : (
            <p className="hint">This workshop cannot be launched right now.</p>
          )
        ) : null}
      </div>
    </article>
  );
}
