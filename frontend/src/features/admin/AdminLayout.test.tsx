import { screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { Route, Routes } from "react-router";
import { answerWith, json, problem } from "../../test/fakeApi";
import { renderPage } from "../../test/renderPage";
import { AdminLayout } from "./AdminLayout";
import { StatisticsPage } from "./StatisticsPage";

const me = (isAdmin: boolean) => ({
  email: "ada@example.org",
  user: "ada",
  groups: [],
  is_admin: isAdmin,
  cluster: "real",
  cluster_note: null,
});

function AdminRoutes() {
  return (
    <Routes>
      <Route path="/admin" element={<AdminLayout />}>
        <Route path="stats" element={<StatisticsPage />} />
      </Route>
    </Routes>
  );
}

describe("the admin console", () => {
  it("tells a non-admin it is for admins only", async () => {
    answerWith(() => json(me(false)));
    renderPage(<AdminRoutes />, { path: "/admin/stats" });
    expect(
      await screen.findByRole("heading", { level: 1, name: "Admins only" }),
    ).toBeInTheDocument();
    expect(screen.queryByRole("navigation", { name: "Admin" })).toBeNull();
  });

  it("shows its sections to an admin, and a 403 from the api in words", async () => {
    answerWith((request) =>
      new URL(request.url).pathname === "/api/v1/me"
        ? json(me(true))
        : problem(403, "forbidden", "admins only"),
    );
    renderPage(<AdminRoutes />, { path: "/admin/stats" });
    expect(
      await screen.findByRole("heading", { level: 1, name: "Statistics" }),
    ).toBeInTheDocument();
    const nav = screen.getByRole("navigation", { name: "Admin" });
    expect(nav).toHaveTextContent("SessionsStatisticsCatalogAudit");
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("Admins only.");
    expect(alert).toHaveTextContent("Quote this id if you ask for help: trace-403");
  });
});
