// Names for the api's bodies as the dashboard uses them, taken from the generated schema so
// a change to the api's document shows up here as a type error, not as a surprise at run time.
import type { components } from "./schema";

type Schemas = components["schemas"];

export type Me = Schemas["MeBody"];
export type Template = Schemas["TemplateBody"];
export type TemplateSource = Schemas["TemplateSourceBody"];
export type Instance = Schemas["InstanceBody"];
export type InstancePage = Schemas["InstancePage"];
export type Phase = Instance["phase"];
export type InstanceHistory = Schemas["HistoryBody"];
export type Stats = Schemas["StatsBody"];
export type TemplateStats = Schemas["TemplateStatsBody"];
export type StatusChanged = Schemas["StatusChanged"];
export type Expiring = Schemas["Expiring"];
export type IdleWarning = Schemas["IdleWarning"];
export type IdleSession = Schemas["IdleSessionBody"];
export type ProblemBody = Schemas["ProblemBody"];
export type Archive = Schemas["ArchiveBody"];
export type Retention = Schemas["RetentionBody"];
export type ClassMessage = Schemas["ClassMessage"];
export type WaitingChanged = Schemas["WaitingChanged"];
export type Class = Schemas["ClassBody"];
export type ClassSummary = Schemas["ClassSummaryBody"];
export type ClassRoster = Schemas["RosterBody"];
export type ClassLearner = Schemas["LearnerBody"];
export type Place = Schemas["PlaceBody"];
export type WaitingTicket = Schemas["WaitingTicketBody"];
export type Joined = Schemas["JoinedBody"];
export type Outcomes = Schemas["OutcomesBody"];
export type Help = Schemas["HelpBody"];
export type HelpAccess = Schemas["AccessBody"];
export type RosterNudge = Schemas["RosterNudge"];
export type IdleState = Schemas["IdleStateBody"];
export type Workspace = Schemas["WorkspaceBody"];
export type WorkspaceExpiring = Schemas["WorkspaceExpiring"];
export type AuditEntry = Schemas["AuditEntryBody"];
export type AuditPage = Schemas["AuditPage"];

/** Every phase, in the order an instance goes through them. */
export const PHASES: readonly Phase[] = [
  "Requested",
  "Pending",
  "Provisioning",
  "Ready",
  "Failed",
  "Terminating",
  "Terminated",
];

/** Phases of an instance that has not ended (what `GET /api/v1/instances` lists). */
export const ACTIVE_PHASES: readonly Phase[] = [
  "Requested",
  "Pending",
  "Provisioning",
  "Ready",
  "Failed",
  "Terminating",
];

/** A launch's answer is the instance, or a ticket when it waits in line: a ticket has a
 * `ticket` id, an instance never does. */
export function isWaitingTicket(answer: Instance | WaitingTicket): answer is WaitingTicket {
  return "ticket" in answer;
}
