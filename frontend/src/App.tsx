// The route table and the providers around it. Every page renders inside AppShell (header,
// navigation, live stream); a page that breaks shows words inside the frame, not a stack.
import { QueryClientProvider, type QueryClient } from "@tanstack/react-query";
import { createBrowserRouter } from "react-router";
import { RouterProvider } from "react-router/dom";
import { AppShell } from "./components/AppShell";
import { NotFoundPage } from "./components/NotFoundPage";
import { AppError, PageError } from "./components/RouteError";
import { AdminCatalogPage } from "./features/admin/AdminCatalogPage";
import { AdminLayout } from "./features/admin/AdminLayout";
import { AllSessionsPage } from "./features/admin/AllSessionsPage";
import { AuditPage } from "./features/admin/AuditPage";
import { StatisticsPage } from "./features/admin/StatisticsPage";
import { CatalogPage } from "./features/catalog/CatalogPage";
import { ClassesPage } from "./features/classes/ClassesPage";
import { ClassRosterPage } from "./features/classes/ClassRosterPage";
import { HistoryPage } from "./features/history/HistoryPage";
import { SessionPage } from "./features/launch/SessionPage";
import { MySessionsPage } from "./features/sessions/MySessionsPage";
import { routePatterns } from "./routes";

const relative = (pattern: string): string => pattern.replace(/^\//, "");

export function createRouter() {
  return createBrowserRouter([
    {
      element: <AppShell />,
      errorElement: <AppError />,
      children: [
        {
          errorElement: <PageError />,
          children: [
            { index: true, element: <CatalogPage /> },
            { path: relative(routePatterns.sessions), element: <MySessionsPage /> },
            { path: relative(routePatterns.session), element: <SessionPage /> },
            { path: relative(routePatterns.history), element: <HistoryPage /> },
            { path: relative(routePatterns.classes), element: <ClassesPage /> },
            { path: relative(routePatterns.classRoster), element: <ClassRosterPage /> },
            {
              path: relative(routePatterns.admin),
              element: <AdminLayout />,
              children: [
                { index: true, element: <AllSessionsPage /> },
                { path: "stats", element: <StatisticsPage /> },
                { path: "catalog", element: <AdminCatalogPage /> },
                { path: "audit", element: <AuditPage /> },
              ],
            },
            { path: "*", element: <NotFoundPage /> },
          ],
        },
      ],
    },
  ]);
}

export function App({
  client,
  router,
}: {
  client: QueryClient;
  router: ReturnType<typeof createRouter>;
}) {
  return (
    <QueryClientProvider client={client}>
      <RouterProvider router={router} />
    </QueryClientProvider>
  );
}
