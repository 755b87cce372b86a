"""``/api/v1/templates``: the catalog; disabled templates are visible to admins only."""

from fastapi import APIRouter

from orchestra_api.bodies import TemplateBody
from orchestra_api.deps import CurrentUser, StateDep
from orchestra_api.problems import NotFound, problem_responses
from orchestra_shared.durations import format_duration
from orchestra_shared.templates import Template

router = APIRouter(prefix="/api/v1/templates", tags=["templates"])


def template_body(template: Template) -> TemplateBody:
    return TemplateBody(
        slug=template.slug,
        name=template.name,
        description=template.description,
        image=template.image,
        default_duration=format_duration(template.default_duration),
        max_duration=format_duration(template.max_duration),
        tier=template.tier,
        tags=list(template.tags),
        enabled=template.enabled,
        url=template.url,
        source_url=template.source_url,
    )


@router.get(
    "",
    operation_id="listTemplates",
    response_model=list[TemplateBody],
    summary="The catalog (disabled templates for admins only)",
    responses=problem_responses(401, 403),
)
async def list_templates(state: StateDep, user: CurrentUser) -> list[TemplateBody]:
    return [template_body(t) for t in state.catalog.visible(admin=user.is_admin)]


@router.get(
    "/{slug}",
    operation_id="getTemplate",
    response_model=TemplateBody,
    responses=problem_responses(401, 403, 404),
)
async def get_template(slug: str, state: StateDep, user: CurrentUser) -> TemplateBody:
    template = state.catalog.get(slug)
    if template is None or (not template.enabled and not user.is_admin):
        raise NotFound(f"no template named {slug!r}")
    return template_body(template)
