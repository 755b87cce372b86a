"""Each class of bad template input, and the exact line the author reads about it."""

from __future__ import annotations

from pathlib import Path

import pytest

from orchestra_shared.catalogs import CatalogError, load_template_file

from .conftest import VALID, WriteTemplate, changed


def problems(path: Path) -> list[str]:
    with pytest.raises(CatalogError) as caught:
        load_template_file(path)
    return [str(problem) for problem in caught.value.problems]


def only_problem(path: Path) -> str:
    found = problems(path)
    assert len(found) == 1, found
    return found[0]


def test_the_valid_template_loads(write_template: WriteTemplate) -> None:
    template = load_template_file(write_template())
    assert (template.slug, template.port, template.resources.cpu) == ("demo", 8888, "2")


@pytest.mark.parametrize(
    ("word", "meaning"), [("no", "false"), ("yes", "true"), ("on", "true"), ("off", "false")]
)
def test_a_yaml_boolean_word_in_a_string_field_must_be_quoted(
    write_template: WriteTemplate, word: str, meaning: str
) -> None:
    path = write_template(changed("name: Demo", f"name: {word}"))
    assert only_problem(path) == (
        f"{path}:2: name: YAML reads unquoted {word} as the boolean {meaning}; "
        f'quote it ("{word}") to keep the text'
    )


@pytest.mark.parametrize("word", ["no", "on"])
def test_a_yaml_boolean_word_in_an_env_value_must_be_quoted(
    write_template: WriteTemplate, word: str
) -> None:
    path = write_template(VALID + f"env:\n  DEBUG: {word}\n")
    assert only_problem(path).startswith(f"{path}:16: env.DEBUG: YAML reads unquoted {word} as")


@pytest.mark.parametrize("number", ["1.10", "3.20", "1e3", "0755", "1:30"])
def test_a_number_in_a_string_field_is_kept_exactly_as_written(
    write_template: WriteTemplate, number: str
) -> None:
    text = VALID + f"tags:\n  - {number}\nenv:\n  VERSION: {number}\nargs: [--release, {number}]\n"
    template = load_template_file(write_template(text))
    assert template.tags == [number]
    assert template.env == {"VERSION": number}
    assert template.args == ["--release", number]


def test_null_in_a_string_field_must_be_quoted(write_template: WriteTemplate) -> None:
    path = write_template(VALID + "tags: [null]\n")
    assert only_problem(path) == (
        f'{path}:15: tags[0]: YAML reads unquoted null as no value; quote it ("null") to keep '
        "the text"
    )


def test_keys_are_kept_as_written(write_template: WriteTemplate) -> None:
    template = load_template_file(write_template(VALID + "env:\n  on: '1'\n  NO: 'x'\n"))
    assert template.env == {"on": "1", "NO": "x"}


def test_yes_in_a_boolean_field_asks_for_true(write_template: WriteTemplate) -> None:
    path = write_template(changed("enabled: true", "enabled: yes"))
    assert only_problem(path) == (
        f"{path}:14: enabled: 'yes' is not a boolean in every YAML version; write true"
    )


def test_a_port_with_a_leading_zero_is_refused(write_template: WriteTemplate) -> None:
    path = write_template(changed("port: 8888", "port: 010000"))
    assert only_problem(path) == (
        f"{path}:7: port: YAML reads 010000 as 4096; write the number in plain decimal digits"
    )


def test_an_empty_value_for_a_required_field(write_template: WriteTemplate) -> None:
    path = write_template(changed("description: A demo.", "description:"))
    assert only_problem(path) == f"{path}:4: description: no value given"


def test_an_unknown_key_suggests_the_nearest_known_one(write_template: WriteTemplate) -> None:
    path = write_template(changed("image:", "imgae:"))
    assert problems(path) == [
        f"{path}:2: image: required field is missing",
        f"{path}:5: imgae: unknown field 'imgae'; did you mean 'image'?",
    ]


def test_a_snake_case_key_suggests_the_camel_case_one(write_template: WriteTemplate) -> None:
    path = write_template(changed("  cpuRequest:", "  cpu_request:"))
    assert only_problem(path) == (
        f"{path}:12: resources.cpu_request: unknown field 'cpu_request'; did you mean 'cpuRequest'?"
    )


def test_an_unknown_key_with_no_near_match_lists_the_known_ones(
    write_template: WriteTemplate,
) -> None:
    path = write_template(VALID + "storage:\n  size: 10Gi\n  zzz: 1\n")
    assert only_problem(path) == (
        f"{path}:17: storage.zzz: unknown field 'zzz'; "
        "known fields are: size, storageClass, workspace"
    )


def test_a_wrong_type(write_template: WriteTemplate) -> None:
    path = write_template(changed("port: 8888", "port: '8888'"))
    assert only_problem(path) == (
        f"{path}:7: port: Input should be a valid integer, got the text '8888'"
    )


def test_a_mapping_where_a_list_belongs(write_template: WriteTemplate) -> None:
    path = write_template(VALID + "tags:\n  first: one\n")
    assert only_problem(path) == f"{path}:15: tags: Input should be a valid list, got a mapping"


def test_a_duration_without_a_unit(write_template: WriteTemplate) -> None:
    path = write_template(changed("defaultDuration: 4h", "defaultDuration: 240"))
    assert only_problem(path) == (
        f"{path}:6: defaultDuration: '240' is not a duration: the unit is missing; "
        "use a number and a unit (d, h, m or s), such as '30m', '4h', '1d' or '1h30m'"
    )


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("defaultDuration: 4h", "defaultDuration: 2d", "6: defaultDuration: 2d is above the platform maximum of 1d"),
        ("memory: 4Gi", "memory: 64Gi", "11: resources.memory: '64Gi' is above the platform's maximum memory of '32Gi'"),
        ('cpu: "2"', "cpu: 12", "10: resources.cpu: '12' is above the platform's maximum CPU of '8'"),
    ],
)  # fmt: skip
def test_over_a_platform_cap(
    write_template: WriteTemplate, old: str, new: str, expected: str
) -> None:
    path = write_template(changed(old, new))
    assert only_problem(path) == f"{path}:{expected}"


def test_storage_over_its_cap(write_template: WriteTemplate) -> None:
    path = write_template(VALID + "storage:\n  size: 1Ti\n")
    assert only_problem(path) == (
        f"{path}:16: storage.size: '1Ti' is above the platform's maximum storage size of '100Gi'"
    )


def test_max_duration_shorter_than_the_default(write_template: WriteTemplate) -> None:
    path = write_template(VALID + "maxDuration: 2h\n")
    assert only_problem(path) == (
        f"{path}:15: maxDuration: 2h is shorter than defaultDuration (4h)"
    )


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ('cpuRequest: "1"', "cpuRequest: 2500m", "12: resources.cpuRequest: request '2500m' is above the limit cpu: '2'"),
        ("memoryRequest: 2Gi", "memoryRequest: 5G", "13: resources.memoryRequest: request '5G' is above the limit memory: '4Gi'"),
    ],
)  # fmt: skip
def test_a_request_above_its_limit(
    write_template: WriteTemplate, old: str, new: str, expected: str
) -> None:
    path = write_template(changed(old, new))
    assert only_problem(path) == f"{path}:{expected}"


def test_a_memory_quantity_without_a_unit(write_template: WriteTemplate) -> None:
    path = write_template(changed("memory: 4Gi", "memory: 4"))
    assert problems(path)[0] == (
        f"{path}:11: resources.memory: '4' is less than 1Mi: did you forget the unit, as in '4Gi'?"
    )


def test_a_quantity_with_a_wrong_unit(write_template: WriteTemplate) -> None:
    path = write_template(changed("memory: 4Gi", "memory: 4GB"))
    assert problems(path)[0] == (
        f"{path}:11: resources.memory: '4GB' is not a quantity: write the unit as G or Gi, "
        "such as '500m', '2', '512Mi' or '4Gi'"
    )


@pytest.mark.parametrize("slug", ["Demo", "demo_1", "-demo", "a" * 41])
def test_a_bad_slug(write_template: WriteTemplate, slug: str) -> None:
    path = write_template(changed("slug: demo", f"slug: {slug}"), stem=slug)
    assert only_problem(path) == (
        f"{path}:3: slug: '{slug}' is not a valid slug: use at most 40 lowercase letters, "
        "digits and '-', starting and ending with a letter or digit"
    )


def test_a_slug_that_is_not_the_file_name(write_template: WriteTemplate) -> None:
    path = write_template(stem="other")
    assert only_problem(path) == (
        f"{path}:3: slug: slug 'demo' must equal the file name; rename the file to 'demo.yaml'"
    )


def test_a_repeated_key(write_template: WriteTemplate) -> None:
    path = write_template(VALID + "port: 8787\n")
    assert only_problem(path) == f"{path}:15: port: duplicate key 'port' (first given on line 7)"


def test_invalid_yaml_syntax(write_template: WriteTemplate) -> None:
    path = write_template(changed("tier: small", "tier: [small"))
    assert only_problem(path).startswith(f"{path}:9: (file): invalid YAML: ")


def test_a_tab_in_the_indentation(write_template: WriteTemplate) -> None:
    path = write_template(changed("  memory: 4Gi", "\tmemory: 4Gi"))
    assert only_problem(path).startswith(f"{path}:11: (file): invalid YAML: ")


@pytest.mark.parametrize("text", ["", "\n", "# only a comment\n"])
def test_an_empty_file(write_template: WriteTemplate, text: str) -> None:
    path = write_template(text)
    assert only_problem(path) == (
        f"{path}: (file): the file is empty; it should be a mapping of fields such as 'name: ...'"
    )


def test_a_list_instead_of_a_mapping(write_template: WriteTemplate) -> None:
    path = write_template("- name: Demo\n- slug: demo\n")
    assert only_problem(path) == (
        f"{path}:1: (file): the file is a list; it should be a mapping of fields such as 'name: ...'"
    )


def test_a_file_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "demo.yaml"
    path.write_bytes(VALID.replace("A demo.", "Caf\xe9.").encode("latin-1"))
    assert only_problem(path) == (
        f"{path}:4: (file): not UTF-8 text (byte 93); save the file as UTF-8"
    )


def test_a_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "demo.yaml"
    assert only_problem(path) == f"{path}: (file): cannot read: No such file or directory"


def test_every_problem_of_a_file_is_reported_at_once(write_template: WriteTemplate) -> None:
    text = changed("port: 8888", "port: 80", changed("tier: small", "tier: medium"))
    found = problems(write_template(text))
    assert [line.split(": ")[1] for line in found] == ["port", "tier"]
