"""params.yaml validation (momrel.config) and the `files:` block rewriter (momrel.filepkg.pipeline).

Every invalid variant starts from the project's own params.yaml and changes one thing, so a
failure here means exactly that one thing is (not) detected.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path

import pytest
import yaml

from momrel import config as cfg
from momrel.config import FileEntry, check_version, load, normalize_uuid, parse
from momrel.errors import ConfigError
from momrel.filepkg.pipeline import render_files_block, replace_files_block
from support import PROJECT, raises_momrel_error

PARAMS_TEXT = (PROJECT / "params.yaml").read_text(encoding="utf-8")
PARAMS = yaml.safe_load(PARAMS_TEXT)

UUID_A = "417442fb-4c7f-5c9d-b7c5-41666470718f"
UUID_B = "d0492139-23b1-5251-a0d5-1c92944e24b6"


@pytest.fixture
def raw() -> dict:
    """A private deep copy of the project's params.yaml, to mutate in one place."""
    return copy.deepcopy(PARAMS)


def config_error(raw_params, root: Path) -> str:
    """Parse, expect a ConfigError, check the message shape and return it."""
    with pytest.raises(ConfigError) as info:
        parse(raw_params, root)
    return checked_message(info.value)


def checked_message(error: BaseException) -> str:
    assert isinstance(error, ConfigError) and error.exit_code == 2
    message = str(error)
    assert "\n" not in message and "\r" not in message, f"not one line: {message!r}"
    assert message.startswith("params.yaml"), message
    return message


# ---------------------------------------------------------------- the project's own params.yaml
def test_project_params_load(tmp_path):
    config = load(PROJECT)
    assert config.root == PROJECT
    assert config.source_env == "dev"
    assert set(config.environments) == {"dev", "prod"}
    dev, prod = config.environments["dev"], config.environments["prod"]
    assert (dev.schema, dev.port) == ("dev", 3003)
    assert (prod.schema, prod.port) == ("public", 3002)
    assert dev.output_dir == PROJECT / ".momrel" / "output_dev"
    assert set(dev.collections) == set(prod.collections) == set(config.collections)
    assert config.env() is dev
    assert config.tables["identities"].shared
    assert config.tables["identities"].through == cfg.Through("face_detections", "identity_id", "id")
    assert not config.tables["face_detections"].shared
    assert config.collections["frames"].vector_size == 512
    assert config.release_dir == PROJECT / "release" / "files"
    assert all(re.fullmatch(r"\d+\.\d+\.\d+", f.version) for f in config.files)
    # parse() of the same dict under another root resolves paths against that root
    elsewhere = parse(copy.deepcopy(PARAMS), tmp_path)
    assert elsewhere.schema_file == tmp_path / "sql" / "momentry.sql"
    assert elsewhere.environments["prod"].output_dir == tmp_path / ".momrel" / "output"


def test_unknown_environment_lookup():
    config = parse(copy.deepcopy(PARAMS), PROJECT)
    with raises_momrel_error(2, match="unknown environment 'staging'"):
        config.env("staging")


def test_files_section_is_optional(raw, tmp_path):
    del raw["files"]
    assert parse(raw, tmp_path).files == ()
    raw["files"] = None  # `files:` with nothing under it
    assert parse(raw, tmp_path).files == ()


# ---------------------------------------------------------------- one mutation per test
def test_unknown_top_level_key(raw, tmp_path):
    raw["tabels"] = {}
    message = config_error(raw, tmp_path)
    assert "unknown key 'tabels'" in message


def test_missing_top_level_key(raw, tmp_path):
    del raw["registration"]
    message = config_error(raw, tmp_path)
    assert "missing key 'registration'" in message


def test_top_level_not_a_mapping(tmp_path):
    message = config_error(None, tmp_path)  # an empty params.yaml
    assert message.startswith("params.yaml: expected a mapping")


def test_unknown_key_in_table_rule(raw, tmp_path):
    raw["tables"]["face_detections"]["orderby"] = ["id"]
    message = config_error(raw, tmp_path)
    assert message.startswith("params.yaml: tables.face_detections:")
    assert "unknown key 'orderby'" in message


def test_bad_uuid_in_files(raw, tmp_path):
    raw["files"][1]["uuid"] = "not-a-uuid"
    message = config_error(raw, tmp_path)
    assert message.startswith("params.yaml: files[1].uuid:")
    assert "'not-a-uuid'" in message


def test_bad_version_in_files(raw, tmp_path):
    raw["files"][0]["version"] = "1.0"
    message = config_error(raw, tmp_path)
    assert message.startswith("params.yaml: files[0].version:")
    assert "'1.0'" in message


def test_unquoted_float_version_is_rejected(raw, tmp_path):
    # `version: 1.10` in YAML is the float 1.1: reject it rather than package version "1.1"
    raw["files"][0]["version"] = 1.10
    message = config_error(raw, tmp_path)
    assert "files[0].version" in message and "'1.1'" in message


def test_duplicate_file(raw, tmp_path):
    raw["files"].append({"uuid": UUID_A, "version": "2.0.0"})
    message = config_error(raw, tmp_path)
    assert message.startswith("params.yaml: files[3]:")
    assert f"file {UUID_A} is listed twice" in message


def test_duplicate_file_in_other_case(raw, tmp_path):
    # upper-case uuids are normalized before the duplicate check
    raw["files"].append({"uuid": UUID_A.upper(), "version": "2.0.0"})
    message = config_error(raw, tmp_path)
    assert "files[3]" in message and UUID_A in message


def test_files_uuid_is_normalized(raw, tmp_path):
    raw["files"] = [{"uuid": UUID_B.upper(), "version": "v1.2.3"}]
    assert parse(raw, tmp_path).files == (FileEntry(UUID_B, "v1.2.3"),)


def test_through_names_unknown_table(raw, tmp_path):
    raw["tables"]["identities"]["through"]["table"] = "faces"
    message = config_error(raw, tmp_path)
    assert message == ("params.yaml: tables.identities.through.table: "
                       "unknown table 'faces' (not in tables)")


def test_through_names_shared_table(raw, tmp_path):
    raw["tables"]["people"] = {"through": {"table": "identities", "column": "x", "key": "id"},
                               "natural_key": ["id"], "order_by": ["id"]}
    message = config_error(raw, tmp_path)
    assert message.startswith("params.yaml: tables.people.through.table:")
    assert "'identities' is itself shared" in message


def test_shared_table_without_natural_key(raw, tmp_path):
    del raw["tables"]["identities"]["natural_key"]
    message = config_error(raw, tmp_path)
    assert message.startswith("params.yaml: tables.identities:")
    assert "natural_key" in message


def test_table_with_file_column_and_through(raw, tmp_path):
    raw["tables"]["identities"]["file_column"] = "file_uuid"
    message = config_error(raw, tmp_path)
    assert message.startswith("params.yaml: tables.identities:")
    assert "'file_column'" in message and "'through'" in message


def test_table_with_neither_file_column_nor_through(raw, tmp_path):
    del raw["tables"]["tkg_nodes"]["file_column"]
    message = config_error(raw, tmp_path)
    assert message.startswith("params.yaml: tables.tkg_nodes:")


def test_environment_missing_collection_mapping(raw, tmp_path):
    del raw["environments"]["prod"]["collections"]["sentence_story"]
    message = config_error(raw, tmp_path)
    assert message.startswith("params.yaml: environments.prod.collections:")
    assert "'sentence_story'" in message


def test_environment_maps_unknown_collection(raw, tmp_path):
    raw["environments"]["dev"]["collections"]["faces"] = "faces_dev"
    message = config_error(raw, tmp_path)
    assert message.startswith("params.yaml: environments.dev.collections:")
    assert "unknown collection 'faces'" in message


def test_unknown_distance(raw, tmp_path):
    raw["collections"]["frames"]["vectors"]["distance"] = "Hamming"
    message = config_error(raw, tmp_path)
    assert message.startswith("params.yaml: collections.frames.vectors.distance:")
    assert "'Hamming'" in message


def test_vector_size_out_of_range(raw, tmp_path):
    raw["collections"]["frames"]["vectors"]["size"] = 0
    message = config_error(raw, tmp_path)
    assert message.startswith("params.yaml: collections.frames.vectors.size:")


def test_port_must_be_an_integer(raw, tmp_path):
    raw["environments"]["dev"]["port"] = "3003"
    message = config_error(raw, tmp_path)
    assert message.startswith("params.yaml: environments.dev.port:")
    assert "'3003'" in message


def test_source_env_not_configured(raw, tmp_path):
    raw["source_env"] = "staging"
    message = config_error(raw, tmp_path)
    assert message.startswith("params.yaml: source_env:")
    assert "'staging'" in message


def test_non_identifier_table_name(raw, tmp_path):
    raw["tables"]["faces; drop"] = {"file_column": "file_uuid", "order_by": ["id"]}
    message = config_error(raw, tmp_path)
    assert message.startswith("params.yaml: tables.faces; drop:")
    assert "'faces; drop' is not a valid SQL identifier" in message


def test_non_identifier_column_in_order_by(raw, tmp_path):
    raw["tables"]["tkg_edges"]["order_by"] = ["id", "id desc"]
    message = config_error(raw, tmp_path)
    assert message.startswith("params.yaml: tables.tkg_edges.order_by[1]:")
    assert "'id desc'" in message


def test_processor_name_with_path_separator(raw, tmp_path):
    raw["processors"].append("../asr")
    message = config_error(raw, tmp_path)
    assert message.startswith(f"params.yaml: processors[{len(raw['processors']) - 1}]:")
    assert "'../asr'" in message


def test_registration_table_cannot_be_packaged(raw, tmp_path):
    raw["registration"]["table"] = "face_detections"
    message = config_error(raw, tmp_path)
    assert message.startswith("params.yaml: registration:")


def test_error_message_stays_one_line_for_a_key_with_a_newline(raw, tmp_path):
    raw["tables"]["faces\ndrop"] = {"file_column": "file_uuid", "order_by": ["id"]}
    with raises_momrel_error(2) as info:
        parse(raw, tmp_path)
    message = str(info.value)
    assert message.startswith("params.yaml: tables.")
    assert "\n" not in message, (
        f"momrel bug: the key path is not escaped, so the message is two lines: {message!r}")


def test_yaml_syntax_error_reports_line(tmp_path):
    lines = PARAMS_TEXT.splitlines(keepends=True)
    number = next(i for i, line in enumerate(lines, 1) if line.startswith("source_env:"))
    lines[number - 1] = "source_env: dev: extra\n"
    (tmp_path / "params.yaml").write_text("".join(lines), encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load(tmp_path)
    message = checked_message(info.value)
    assert message.startswith(f"params.yaml line {number}: ")
    assert "mapping values are not allowed" in message


def test_yaml_unclosed_flow_sequence(tmp_path):
    (tmp_path / "params.yaml").write_text("schema_file: a.sql\nprocessors: [asr, yolo\n",
                                          encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load(tmp_path)
    message = checked_message(info.value)
    assert re.match(r"^params\.yaml line \d+: ", message), message


def test_load_validates_file_on_disk(tmp_path):
    text = PARAMS_TEXT.replace("distance: Cosine}", "distance: cosine}", 1)
    (tmp_path / "params.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load(tmp_path)
    message = checked_message(info.value)
    assert "collections.frames.vectors.distance" in message and "'cosine'" in message


def test_load_missing_params(tmp_path):
    with raises_momrel_error(2, match="params.yaml: not found"):
        load(tmp_path)


# ---------------------------------------------------------------- value validators
@pytest.mark.parametrize("value", [UUID_A, UUID_B])
def test_normalize_uuid_accepts_canonical(value):
    assert normalize_uuid(value) == value


def test_normalize_uuid_lowercases_upper_case():
    assert normalize_uuid(UUID_A.upper()) == UUID_A
    assert normalize_uuid(UUID_A.upper()[:10] + UUID_A[10:]) == UUID_A


@pytest.mark.parametrize("value", ["not-a-uuid", "", None, 42, UUID_A[:-1], UUID_A + "0",
                                   f" {UUID_A}", UUID_A.replace("-", "_")])
def test_normalize_uuid_rejects_malformed(value):
    with raises_momrel_error(1, match="is not a UUID") as info:
        normalize_uuid(value)
    assert not isinstance(info.value, ConfigError)


@pytest.mark.parametrize("value", [UUID_A.replace("-", ""), "{" + UUID_A + "}",
                                   "urn:uuid:" + UUID_A])
def test_normalize_uuid_rejects_non_canonical_spellings(value):
    # uuid.UUID parses these, but momrel wants one spelling and says which
    with raises_momrel_error(1, match=re.escape(f"(write it as {UUID_A})")):
        normalize_uuid(value)


def test_normalize_uuid_names_what():
    with raises_momrel_error(1, match=r"^invalid file uuid: 'x' is not a UUID$"):
        normalize_uuid("x", "file uuid")


@pytest.mark.parametrize("value", ["1.0.0", "0.0.1", "10.20.30", "v1.2.3", "1.0.0-rc.1",
                                   "1.0.0+build.5", "2.0.0-alpha-2"])
def test_check_version_accepts(value):
    assert check_version(value) == value


@pytest.mark.parametrize("value", ["1.0", "1", "1.0.0.0", "", "latest", "1.a.0", "V1.0.0",
                                   "1.0.0-", "../1.0.0", "1.0.0/x", 1.1, None])
def test_check_version_rejects(value):
    with raises_momrel_error(1, match="invalid version"):
        check_version(value)


def test_check_version_rejects_trailing_newline():
    with raises_momrel_error(1, match="invalid version"):
        check_version("1.0.0\n")


TRAILING_NEWLINE_CASES = {
    "files version": lambda raw: raw["files"][0].__setitem__("version", "1.0.0\n"),
    "processor name": lambda raw: raw["processors"].append("asr2\n"),
    "order_by column": lambda raw: raw["tables"]["tkg_edges"].__setitem__("order_by", ["id\n"]),
    "schema": lambda raw: raw["environments"]["dev"].__setitem__("schema", "dev\n"),
}


@pytest.mark.parametrize("case", sorted(TRAILING_NEWLINE_CASES))
def test_parse_rejects_values_with_trailing_newline(raw, tmp_path, case):
    TRAILING_NEWLINE_CASES[case](raw)
    config_error(raw, tmp_path)


# ---------------------------------------------------------------- replace_files_block
def test_replace_files_block_on_project_params():
    entries = [FileEntry(UUID_B, "1.10.0"), FileEntry(UUID_A, "2.0.0-rc.1")]
    updated = replace_files_block(PARAMS_TEXT, entries)
    before, _, _ = PARAMS_TEXT.partition("\nfiles:")
    # everything up to the files: section (all comments included) is untouched
    assert updated.startswith(before + "\nfiles:\n")
    assert updated.endswith(render_files_block(entries))
    assert updated.count("files:") == PARAMS_TEXT.count("files:")
    reparsed = yaml.safe_load(updated)
    assert {k: v for k, v in reparsed.items() if k != "files"} == \
        {k: v for k, v in PARAMS.items() if k != "files"}
    assert reparsed["files"] == [{"uuid": UUID_B, "version": "1.10.0"},
                                 {"uuid": UUID_A, "version": "2.0.0-rc.1"}]
    assert parse(reparsed, PROJECT).files == tuple(entries)


def test_replace_files_block_in_the_middle_keeps_comments():
    text = (
        "# head comment\n"
        "a: 1  # inline a\n"
        "# about files\n"
        "files:\n"
        '  - {uuid: 417442fb-4c7f-5c9d-b7c5-41666470718f, version: "1.0.0"}\n'
        "  # an indented comment inside files goes with it\n"
        "  - uuid: d0492139-23b1-5251-a0d5-1c92944e24b6\n"
        "    version: 1.0.0\n"
        "# about b\n"
        "# more about b\n"
        "b:\n"
        "  - 2  # inline b\n"
        "c: 3\n"
    )
    updated = replace_files_block(text, [FileEntry(UUID_B, "1.10")])
    assert updated == (
        "# head comment\n"
        "a: 1  # inline a\n"
        "# about files\n"
        "files:\n"
        f'  - {{uuid: {UUID_B}, version: "1.10"}}\n'
        "# about b\n"
        "# more about b\n"
        "b:\n"
        "  - 2  # inline b\n"
        "c: 3\n"
    )
    data = yaml.safe_load(updated)
    # quoted: "1.10" stays the string 1.10, not the float 1.1
    assert data == {"a": 1, "files": [{"uuid": UUID_B, "version": "1.10"}], "b": [2], "c": 3}


def test_replace_files_block_round_trips_many_entries():
    entries = [FileEntry(UUID_A, "1.10.0"), FileEntry(UUID_B, "v0.0.1+build.7")]
    text = "x: 1\nfiles: []\ny: 2\n"
    updated = replace_files_block(text, entries)
    data = yaml.safe_load(updated)
    assert data["x"] == 1 and data["y"] == 2
    assert [FileEntry(e["uuid"], e["version"]) for e in data["files"]] == entries
    assert all(isinstance(e["version"], str) for e in data["files"])
    # applying it again with the same entries is a no-op
    assert replace_files_block(updated, entries) == updated


def test_replace_files_block_with_no_entries():
    updated = replace_files_block(PARAMS_TEXT, [])
    data = yaml.safe_load(updated)
    assert data["files"] is None
    assert parse(data, PROJECT).files == ()


def test_replace_files_block_appends_when_absent():
    text = "# only a comment\na: 1"  # no trailing newline
    updated = replace_files_block(text, [FileEntry(UUID_A, "1.0.0")])
    assert updated == f'# only a comment\na: 1\nfiles:\n  - {{uuid: {UUID_A}, version: "1.0.0"}}\n'
    assert yaml.safe_load(updated) == {"a": 1, "files": [{"uuid": UUID_A, "version": "1.0.0"}]}
    assert replace_files_block("", []) == "files:\n"


def test_replace_files_block_ignores_nested_files_keys():
    text = "a:\n  files: keep\nfiles_extra: keep\nfiles:\n  - old\n"
    updated = replace_files_block(text, [FileEntry(UUID_A, "1.0.0")])
    assert updated.startswith("a:\n  files: keep\nfiles_extra: keep\nfiles:\n")
    data = yaml.safe_load(updated)
    assert data["a"] == {"files": "keep"} and data["files_extra"] == "keep"
    assert data["files"] == [{"uuid": UUID_A, "version": "1.0.0"}]
