import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { answerWith, json, problem } from "../../test/fakeApi";
import { aClass, aTemplate } from "../../test/fixtures";
import { renderPage } from "../../test/renderPage";
import { CreateClassForm } from "./CreateClassForm";

const NOW = () => new Date(2025, 7, 31, 15, 0);

function catalogAnd(create: (request: Request) => Response | Promise<Response>) {
  answerWith((request) =>
    request.url.endsWith("/api/v1/templates")
      ? json([aTemplate(), aTemplate({ slug: "jupyter", name: "JupyterLab" })])
      : create(request),
  );
}

describe("CreateClassForm", () => {
  it("creates a class with a warm pool and shows its join code", async () => {
    const bodies: unknown[] = [];
    catalogAnd(async (request) => {
      bodies.push(await request.json());
      return json(
        aClass({ title: "Pooled", warm_pool: { size: 10, lead_minutes: 20, grace_minutes: 15 } }),
        201,
      );
    });
    const user = userEvent.setup();
    renderPage(<CreateClassForm now={NOW} />);
    await user.type(screen.getByLabelText("Title"), "Pooled");
    await user.selectOptions(await screen.findByLabelText("Workshop"), "jupyter");
    expect(screen.queryByLabelText("Warm workshops")).not.toBeInTheDocument();
    await user.click(screen.getByLabelText("Start workshops before the class"));
    await user.type(screen.getByLabelText("Warm workshops"), "10");
    await user.clear(screen.getByLabelText("Minutes before the start"));
    await user.type(screen.getByLabelText("Minutes before the start"), "20");
    await user.click(screen.getByRole("button", { name: "Create the class" }));
    expect(await screen.findByRole("link", { name: "Pooled" })).toHaveAttribute(
      "href",
      "/classes/c-rnaseq",
    );
    expect(screen.getByText("K7XP2QMB")).toBeInTheDocument();
    expect(bodies).toEqual([
      {
        title: "Pooled",
        template: "jupyter",
        starts_at: new Date(2025, 8, 1, 9, 0).toISOString(),
        ends_at: new Date(2025, 8, 1, 17, 0).toISOString(),
        expected_size: 30,
        seats: null,
        instructor_emails: [],
        help_without_consent: false,
        warm_pool: { size: 10, lead_minutes: 20, grace_minutes: 15 },
      },
    ]);
  });

  it("says what is wrong next to the field before sending anything", async () => {
    const bodies: unknown[] = [];
    catalogAnd(async (request) => {
      bodies.push(await request.json());
      return json(aClass(), 201);
    });
    const user = userEvent.setup();
    renderPage(<CreateClassForm now={NOW} />);
    await user.type(screen.getByLabelText("Title"), "Pooled");
    await screen.findByRole("option", { name: "RStudio" });
    await user.click(screen.getByLabelText("Start workshops before the class"));
    await user.clear(screen.getByLabelText("Minutes before the start"));
    await user.type(screen.getByLabelText("Minutes before the start"), "0");
    await user.click(screen.getByRole("button", { name: "Create the class" }));
    const lead = screen.getByLabelText("Minutes before the start");
    expect(lead).toHaveAccessibleDescription(/Minutes, from 1 to 1440\./);
    expect(lead).toBeInvalid();
    expect(bodies).toEqual([]);
  });

  it("shows the api's refusal of the pool size at that field", async () => {
    catalogAnd(() =>
      problem(422, "invalid-request", "warm_pool.size: at most 50 warm instances per class", {
        field: "warm_pool.size",
      }),
    );
    const user = userEvent.setup();
    renderPage(<CreateClassForm now={NOW} />);
    await user.type(screen.getByLabelText("Title"), "Huge");
    await screen.findByRole("option", { name: "RStudio" });
    await user.click(screen.getByLabelText("Start workshops before the class"));
    await user.type(screen.getByLabelText("Warm workshops"), "500");
    await user.click(screen.getByRole("button", { name: "Create the class" }));
    await waitFor(() => {
      expect(screen.getByLabelText("Warm workshops")).toHaveAccessibleDescription(
        /At most 50 warm instances per class\./,
      );
    });
  });

  it("explains any other refusal under the form", async () => {
    catalogAnd(() => problem(403, "forbidden", "creating a class needs an admin or an instructor"));
    const user = userEvent.setup();
    renderPage(<CreateClassForm now={NOW} />);
    await user.type(screen.getByLabelText("Title"), "Mine");
    await screen.findByRole("option", { name: "RStudio" });
    await user.click(screen.getByRole("button", { name: "Create the class" }));
    expect(await screen.findByRole("alert")).toHaveTextContent(
      /The class could not be created\.Creating a class needs an admin or an instructor\./,
    );
  });
});
