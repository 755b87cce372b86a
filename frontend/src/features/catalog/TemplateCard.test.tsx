import { screen, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { aTemplate, anInstance } from "../../test/fixtures";
import { renderPage } from "../../test/renderPage";
import { TemplateCard } from "./TemplateCard";

const template = aTemplate();

function card() {
  return screen.getByRole("article", { name: "RStudio" });
}

describe("TemplateCard", () => {
  it("offers a duration and Launch when the learner has no session of it", () => {
    renderPage(<TemplateCard template={template} sessions={[]} />);
    const article = card();
    expect(within(article).getByRole("heading", { name: "RStudio" })).toBeInTheDocument();
    expect(within(article).getByRole("button", { name: "Launch" })).toBeEnabled();
    const duration = within(article).getByLabelText("Duration");
    expect(duration).toHaveValue("4h");
    expect(duration).toHaveAccessibleDescription(/m for minutes, h for hours/);
    expect(within(article).getByRole("link", { name: "Course material" })).toHaveAttribute(
      "href",
      "https://example.org/course",
    );
    expect(within(article).getByRole("link", { name: "Source" })).toBeInTheDocument();
    expect(within(article).queryByRole("link", { name: "Open" })).toBeNull();
  });

  it("shows Open, through the open flow, when a session of it is Ready", () => {
    const ready = anInstance({ phase: "Ready" });
    renderPage(<TemplateCard template={template} sessions={[ready]} />);
    const article = card();
    const open = within(article).getByRole("link", { name: /^Open/ });
    // Through the api's open flow (a ticket for the gate), never straight to the host.
    expect(open).toHaveAttribute("href", `/api/v1/instances/${ready.name}/open`);
    expect(open).toHaveAttribute("target", "_blank");
    expect(within(article).queryByRole("button", { name: "Launch" })).toBeNull();
  });

  it("shows In progress with a link to the launch page while a session starts", () => {
    const starting = anInstance({ phase: "Provisioning", url: null, ready_at: null });
    renderPage(<TemplateCard template={template} sessions={[starting]} />);
    const article = card();
    expect(within(article).getByText("In progress")).toBeInTheDocument();
    expect(within(article).getByRole("link", { name: "See launch progress" })).toHaveAttribute(
      "href",
      "/sessions/rstudio-0901-x7k2p",
    );
    expect(within(article).queryByRole("button", { name: "Launch" })).toBeNull();
  });

  it("ignores sessions of other templates", () => {
    const other = anInstance({ template: "jupyter", template_name: "JupyterLab" });
    renderPage(<TemplateCard template={template} sessions={[other]} />);
    expect(within(card()).getByRole("button", { name: "Launch" })).toBeInTheDocument();
  });

  it("lets the learner launch again after a failed session, linking to it", () => {
    const failed = anInstance({ phase: "Failed", reason: "ErrImagePull", url: null });
    renderPage(<TemplateCard template={template} sessions={[failed]} />);
    const article = card();
    expect(within(article).getByRole("button", { name: "Launch" })).toBeInTheDocument();
    expect(within(article).getByRole("link", { name: "See what went wrong" })).toBeInTheDocument();
  });
});
