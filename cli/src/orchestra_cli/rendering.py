"""``orchestra templates render``: the Workshop resource a launch from a template would create.

Reviewers of a template pull request see what will actually run (image, resources, storage,
expiry) without a cluster. The spec comes from ``orchestra_shared.workshops``, the same pure
functions the API and the operator use, so the preview cannot drift from a real launch.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

import yaml

from orchestra_shared.catalogs import CatalogError, load_template_file
from orchestra_shared.names import instance_name, is_dns_label, random_suffix, session_tag
from orchestra_shared.owners import learner_namespace
from orchestra_shared.templates import Template
from orchestra_shared.workshops import spec_from_template, workshop_manifest

DEFAULT_OWNER = "learner@example.org"


def render(path: Path, *, owner: str, name: str | None, out: TextIO, err: TextIO) -> int:
    """Print the Workshop for ``path`` as YAML; 1 (with the problems) if the file is invalid."""
    try:
        template = load_template_file(path)
    except CatalogError as error:
        for problem in error.problems:
            print(problem, file=err)
        return 1
    now = datetime.now(UTC)
    name = name or instance_name(template.slug, session_tag(now.date()), random_suffix())
    if not is_dns_label(name):
        print(f"orchestra: --name {name!r} is not a DNS label (lowercase, digits, '-')", file=err)
        return 2
    manifest = workshop_for(template, owner=owner, name=name, now=now)
    yaml.safe_dump(manifest, out, sort_keys=False, allow_unicode=True)
    return 0


def workshop_for(template: Template, *, owner: str, name: str, now: datetime) -> dict[str, object]:
    """The Workshop of a launch at ``now`` for its default duration (labelled as every Workshop is)."""
    spec = spec_from_template(template, owner=owner, expires_at=now + template.default_duration)
    return workshop_manifest(
        name=name,
        namespace=learner_namespace(owner),
        spec=spec,
    )
