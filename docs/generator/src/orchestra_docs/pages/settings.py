"""Every setting of every service, from its pydantic-settings class.

Each service reads its environment in one class (``config.py``) with one prefix; the
page lists each field with the variable that sets it, its type, its default and its
description, so the reference is the code's own words.
"""

from __future__ import annotations

import json
import types
import typing
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

from pydantic import AliasChoices, BaseModel, SecretStr
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined
from pydantic_settings import BaseSettings

from orchestra_api.config import ApiSettings
from orchestra_docs.describing import cell
from orchestra_docs.documents import Document, page
from orchestra_expiry.config import ExpirySettings
from orchestra_gate.config import GateSettings
from orchestra_operator.config import OperatorSettings
from orchestra_sync.config import SyncSettings

SERVICES: tuple[tuple[str, type[BaseSettings]], ...] = (
    ("api", ApiSettings),
    ("operator", OperatorSettings),
    ("sync", SyncSettings),
    ("expiry", ExpirySettings),
    ("gate", GateSettings),
)


@dataclass(frozen=True)
class Setting:
    """One setting: the variables that set it (the first is the usual one)."""

    variables: tuple[str, ...]
    type: str
    default: str
    description: str


def settings_of(cls: type[BaseSettings]) -> list[Setting]:
    """The settings of one class, nested models expanded when the class allows ``__``."""
    config = cls.model_config
    prefix = str(config.get("env_prefix", ""))
    delimiter = config.get("env_nested_delimiter")
    found: list[Setting] = []
    own = [name for name in cls.model_fields if name in vars(cls).get("__annotations__", {})]
    names = own + [name for name in cls.model_fields if name not in own]
    for name in names:
        info = cls.model_fields[name]
        variables = _variables(prefix, name, info)
        found.append(Setting(variables, type_label(info.annotation), _default(info), _words(info)))
        nested = _model(info.annotation)
        if nested is not None and delimiter:
            found.extend(_nested(variables[0], str(delimiter), nested))
    return found


def type_label(annotation: Any) -> str:
    """``str``, ``list of int``, ``"token" or "trusted-headers"``, ``float or unset``."""
    origin = get_origin(annotation)
    args = get_args(annotation)
    if origin is Literal:
        return " or ".join(f"`{json.dumps(a)}`" for a in args)
    if origin in (typing.Union, types.UnionType):
        names = [type_label(a) for a in args if a is not type(None)]
        label = " or ".join(names)
        return f"{label} or unset" if type(None) in args else label
    if origin is typing.Annotated:
        return type_label(args[0])
    if origin in (list, tuple, set, frozenset):
        return f"list of {type_label(args[0])}" if args else "list"
    if origin is dict:
        return f"map of {type_label(args[0])} to {type_label(args[1])}" if args else "map"
    if annotation is SecretStr:
        return "secret string"
    if isinstance(annotation, type):
        return annotation.__name__
    return str(annotation)


def generate(root: Path) -> list[Document]:
    body = [
        "Every service reads its configuration from environment variables, in one "
        "pydantic-settings class per service (`config.py`); nothing else reads the "
        "environment. A value that does not parse stops the service at start-up with the "
        'variable\'s name. Lists and maps are JSON (`["a", "b"]`, `{"k": "v"}`); '
        "where a row shows `__`, a nested field can also be set on its own.",
        "",
        "Tracing takes only the standard OpenTelemetry variables (`OTEL_*`, read by the SDK "
        "as well); they are listed where a service reads them itself.",
    ]
    for service, cls in SERVICES:
        prefix = cls.model_config.get("env_prefix", "")
        body += [
            "",
            f"## {service}",
            "",
            f"`{cls.__module__}.{cls.__name__}`, variables `{prefix}*`.",
            "",
            _table(settings_of(cls)),
        ]
    return [
        page(
            "reference/settings",
            title="Service settings",
            description="Every setting of every service, generated from its settings class.",
            body="\n".join(body),
            order=4,
        )
    ]


def _variables(prefix: str, name: str, info: FieldInfo) -> tuple[str, ...]:
    alias = info.validation_alias
    if isinstance(alias, AliasChoices):
        return tuple(str(choice) for choice in alias.choices)
    if isinstance(alias, str):
        return (alias,)
    return (f"{prefix}{name}".upper(),)


def _model(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return None


def _nested(variable: str, delimiter: str, model: type[BaseModel]) -> Iterator[Setting]:
    for name, info in model.model_fields.items():
        yield Setting(
            (f"{variable}{delimiter}{name.upper()}",),
            type_label(info.annotation),
            _default(info),
            _words(info),
        )


def _default(info: FieldInfo) -> str:
    factory = info.default_factory
    if factory is not None:
        name = getattr(factory, "__name__", "")
        if name and name != "<lambda>" and not isinstance(factory, type):
            doc = (factory.__doc__ or name).strip().splitlines()[0]
            return f"computed: {doc}"
        value: Any = factory()  # type: ignore[call-arg]
    elif info.default is PydanticUndefined:
        return "(required)"
    else:
        value = info.default
    if isinstance(value, SecretStr):
        return "a development placeholder (refused in production)"
    if isinstance(value, BaseModel):
        value = value.model_dump(mode="json")
    elif isinstance(value, dict):
        value = {
            k: v.model_dump(mode="json") if isinstance(v, BaseModel) else v
            for k, v in value.items()
        }
    if value is None:
        return "unset"
    return f"`{json.dumps(value, default=str)}`"


def _words(info: FieldInfo) -> str:
    return " ".join((info.description or "").split())


def _table(items: list[Setting]) -> str:
    lines = ["| Variable | Type | Default | Description |", "|---|---|---|---|"]
    for item in items:
        names = "<br />".join(f"`{v}`" for v in item.variables)
        lines.append(
            f"| {names} | {cell(item.type)} | {cell(item.default)} | {cell(item.description)} |"
        )
    return "\n".join(lines) + "\n"
