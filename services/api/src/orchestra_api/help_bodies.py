"""Request and response bodies of help at a learner's workshop (``routes.helpers``)."""

from datetime import datetime

from pydantic import BaseModel, Field

from orchestra_api.helping import Access, Help


class AccessBody(BaseModel):
    by: str = Field(description="Who entered (an instructor's email).")
    role: str = Field(description="In which role the gate let them in ('instructor').")
    at: datetime = Field(description="When the gate let them in.")

    @classmethod
    def of(cls, access: Access) -> "AccessBody":
        return cls(by=access.by, role=access.role, at=access.at)


class HelpBody(BaseModel):
    """Whether the class's instructors may open this workshop, and who did."""

    instance: str
    class_id: str
    class_title: str
    consent: bool = Field(description="The learner lets the class's instructors in now.")
    granted_at: datetime | None = Field(description="Since when, while consent is given.")
    without_consent: bool = Field(
        description="The class lets its instructors in without asking (set by the instructor)."
    )
    allowed: bool = Field(description="Whether an instructor of the class may open it now.")
    accesses: list[AccessBody] = Field(
        description="Every entry of an instructor the gate recorded, newest first (at most 50)."
    )

    @classmethod
    def of(cls, help: Help) -> "HelpBody":
        return cls(
            instance=help.instance,
            class_id=help.klass.id,
            class_title=help.klass.title,
            consent=help.granted_at is not None,
            granted_at=help.granted_at,
            without_consent=help.klass.help_without_consent,
            allowed=help.allowed,
            accesses=[AccessBody.of(a) for a in help.accesses],
        )
