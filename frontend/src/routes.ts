// Every route of the dashboard, and typed builders for links to them, so a renamed route
// is one change and a link cannot miss a parameter.

export const routePatterns = {
  catalog: "/",
  sessions: "/sessions",
  session: "/sessions/:name",
  history: "/history",
  admin: "/admin",
  adminStats: "/admin/stats",
  adminCatalog: "/admin/catalog",
  adminAudit: "/admin/audit",
  classes: "/classes",
  classRoster: "/classes/:id",
} as const;

export const routes = {
  catalog: (): string => routePatterns.catalog,
  sessions: (): string => routePatterns.sessions,
  session: (name: string): string => `/sessions/${encodeURIComponent(name)}`,
  history: (): string => routePatterns.history,
  admin: (): string => routePatterns.admin,
  adminStats: (): string => routePatterns.adminStats,
  adminCatalog: (): string => routePatterns.adminCatalog,
  adminAudit: (): string => routePatterns.adminAudit,
  classes: (): string => routePatterns.classes,
  classRoster: (id: string): string => `/classes/${encodeURIComponent(id)}`,
};

/** Whether a path belongs to the admin console (whose live stream is every learner's). */
export function isAdminPath(pathname: string): boolean {
  return pathname === "/admin" || pathname.startsWith("/admin/");
}
