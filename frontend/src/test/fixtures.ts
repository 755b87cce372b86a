// Bodies as the api sends them, for tests.
import type { Class, Instance, Template } from "../client/types";

export function aTemplate(overrides: Partial<Template> = {}): Template {
  return {
    slug: "rstudio",
    name: "RStudio",
    description: "RStudio Server with **Bioconductor**.",
    image: "bioconductor/bioconductor_docker:RELEASE_3_20",
    default_duration: "4h",
    max_duration: "8h",
    tier: "small",
    tags: ["r", "bioconductor"],
    enabled: true,
    url: "https://example.org/course",
    source_url: "https://example.org/source",
    ...overrides,
  };
}

export function anInstance(overrides: Partial<Instance> = {}): Instance {
  return {
    name: "rstudio-0901-x7k2p",
    owner: "ada@example.org",
    template: "rstudio",
    template_name: "RStudio",
    phase: "Ready",
    reason: null,
    message: null,
    url: "https://rstudio-0901-x7k2p.workshops.example.org/",
    created_at: "2025-09-01T09:00:00Z",
    expires_at: "2025-09-01T11:00:00Z",
    ready_at: "2025-09-01T09:00:41Z",
    terminated_at: null,
    extensions: 0,
    terminate_requested_at: null,
    extensions_left: 2,
    latest_expires_at: "2025-09-01T17:00:00Z",
    ...overrides,
  };
}

export function aClass(overrides: Partial<Class> = {}): Class {
  return {
    id: "c-rnaseq",
    title: "RNA-seq, day 1",
    template: "rstudio",
    starts_at: "2025-09-01T09:00:00Z",
    ends_at: "2025-09-01T17:00:00Z",
    ended_at: null,
    expected_size: 30,
    seats: null,
    session_tag: "rnaseq1",
    join_code: "K7XP2QMB",
    instructor_emails: ["grace@example.org"],
    instructor_groups: [],
    created_by: "grace@example.org",
    created_at: "2025-08-30T12:00:00Z",
    warm_pool: null,
    help_without_consent: false,
    ...overrides,
  };
}
