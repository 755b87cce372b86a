// Every TanStack Query key in one place, so the live stream can find (and update or
// invalidate) exactly the cached data an event concerns.

export const queryKeys = {
  me: ["me"] as const,
  templates: ["templates"] as const,
  /** Prefix of every cached instance query (mine, one, its transitions). */
  instances: ["instances"] as const,
  myInstances: ["instances", "mine"] as const,
  instance: (name: string) => ["instances", "one", name] as const,
  instanceHistory: (name: string) => ["instances", "transitions", name] as const,
  history: ["history"] as const,
  /** The learner's saved work folders, all or one instance's. */
  archives: (instance?: string) => ["archives", instance ?? "all"] as const,
  retention: ["retention"] as const,
  /** The learner's persistent workspaces (docs/src/content/docs/decisions/0062). */
  workspaces: ["workspaces"] as const,
  /** Prefix of every admin query. */
  admin: ["admin"] as const,
  adminInstances: ["admin", "instances"] as const,
  adminStats: ["admin", "stats"] as const,
  adminIdle: ["admin", "idle"] as const,
  adminTemplates: ["admin", "templates"] as const,
  adminAudit: (filters: string) => ["admin", "audit", filters] as const,
  /** Prefix of every class query (taught, joined, a roster, a place in line). */
  classes: ["classes"] as const,
  classesTaught: ["classes", "taught"] as const,
  classRoster: (id: string) => ["classes", "roster", id] as const,
  myPlace: (id: string) => ["classes", "place", id] as const,
  /** Whether the class's instructors may open a learner's session, and who did. */
  help: (instance: string) => ["instances", "help", instance] as const,
  /** A place in the waiting room, by ticket (an ordinary launch's or a class's). */
  ticket: (id: number) => ["waiting-room", id] as const,
  myPlaces: ["waiting-room", "mine"] as const,
};
