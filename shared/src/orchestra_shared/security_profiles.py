"""The platform's overlay of security profiles: what to run templates as that say nothing.

Template files come from their authors and often say nothing about how their image starts
(the reference catalog never does). The platform's operators, who review each image before it
enters the catalog, write down the answer in one file beside the templates, for example
``charts/orchestra/files/security-profiles.yaml``::

    default: restricted
    templates:
      rstudio: root-init

A template's own ``securityProfile`` wins; the overlay may not contradict it, and may not
name a template the catalog does not have (a stale entry would silently loosen a template
added later under that name). ``orchestra_shared.catalogs`` reads the file with the same
strict YAML reader and the same ``file:line: field: message`` problems as template files, and
calls ``resolved_profiles`` here. Why an overlay and not a default alone: docs/src/content/docs/decisions/0053.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field

from orchestra_shared.templates import DEFAULT_SECURITY_PROFILE, SecurityProfile, Slug, Template

__all__ = ["Conflict", "SecurityProfiles", "overlay_json_schema", "resolved_profiles"]


class SecurityProfiles(BaseModel):
    """The overlay file: a default for unlisted templates, and one profile per listed slug."""

    model_config = ConfigDict(
        strict=True, frozen=True, extra="forbid", use_attribute_docstrings=True
    )

    default: SecurityProfile = DEFAULT_SECURITY_PROFILE
    """Profile of every template that neither declares one nor is listed below."""
    templates: dict[Slug, SecurityProfile] = Field(
        default={}, json_schema_extra={"additionalProperties": False}
    )
    """Profile by template slug, for images checked by the platform's operators."""


def overlay_json_schema() -> dict[str, object]:
    """The JSON Schema of the overlay file (the strict YAML reader follows it)."""
    return SecurityProfiles.model_json_schema(mode="validation")


@dataclass(frozen=True)
class Conflict:
    """An overlay entry that cannot stand: ``slug`` and why, for a ``Problem`` at its line."""

    slug: str
    message: str


def resolved_profiles(
    templates: Mapping[str, Template], overlay: SecurityProfiles | None
) -> tuple[dict[str, SecurityProfile], list[Conflict]]:
    """Each template's profile (its own, else the overlay's entry, else the overlay's default,
    else ``restricted``), and the overlay's entries that contradict or name nothing (pure)."""
    conflicts: list[Conflict] = []
    if overlay is not None:
        for slug, profile in overlay.templates.items():
            template = templates.get(slug)
            if template is None:
                message = (
                    f"no template '{slug}' in the catalog; remove the entry (a template "
                    "added later under this slug would get its profile unreviewed)"
                )
                conflicts.append(Conflict(slug, message))
            elif template.security_profile not in (None, profile):
                message = (
                    f"'{slug}' declares securityProfile {template.security_profile} in its "
                    f"own file; the overlay says {profile}: keep only one"
                )
                conflicts.append(Conflict(slug, message))
    default = overlay.default if overlay is not None else DEFAULT_SECURITY_PROFILE
    listed = overlay.templates if overlay is not None else {}
    resolved: dict[str, SecurityProfile] = {
        slug: template.security_profile or listed.get(slug, default)
        for slug, template in templates.items()
    }
    return resolved, conflicts
