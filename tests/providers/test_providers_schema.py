"""Providers files validated like suites: the shipped schema, file:line errors with the excerpt
and "did you mean", duplicate keys, provider names, base_url checked after interpolation; the
packaged catalogue passes the same validation; arbitrary input only ever raises usage errors."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from harness.cli.main import main
from harness.core.errors import ProviderConfigError, UsageError
from harness.providers.catalogue import PACKAGED, load_catalogue
from harness.providers.source import PROVIDERS_SCHEMA_PATH, ProvidersSource, providers_schema

ROOT = Path(__file__).resolve().parents[2]
BASIC = str(ROOT / "suites" / "basic.yaml")
HEAD = "providers:\n  x:\n    base_url: http://a\n    dialect: openai\n"


@pytest.fixture
def write(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[str], str]:
    """write(text) -> "p.yaml", a providers file in the current folder (tmp_path)."""
    monkeypatch.chdir(tmp_path)

    def _write(text: str) -> str:
        Path("p.yaml").write_text(textwrap.dedent(text), encoding="utf-8")
        return "p.yaml"

    return _write


def _error(path: str, env: dict[str, str] | None = None) -> str:
    with pytest.raises(ProviderConfigError) as info:
        load_catalogue([path], env={} if env is None else env)
    return str(info.value)


BAD = [
    (HEAD + "    models: [a, b]\n",
     "p.yaml: line 5: provider 'x' models must be a mapping, got a list"),
    (HEAD + "    endpoints: [chat]\n",
     "p.yaml: line 5: provider 'x' endpoints must be a mapping, got a list"),
    (HEAD + "    headers: [x-a]\n",
     "p.yaml: line 5: provider 'x' headers must be a mapping, got a list"),
    (HEAD + "    models:\n      m: {context_window: abc}\n",
     "p.yaml: line 6: provider 'x' model 'm' context_window must be an integer, got string 'abc'"),
    (HEAD + "    api_key_env: 5\n",
     "p.yaml: line 5: provider 'x' api_key_env must be a string or null, got integer 5"),
    (HEAD + "    api_key_evn: MY_KEY\n",
     "p.yaml: line 5: unknown key 'api_key_evn' in provider 'x'; did you mean 'api_key_env'?"),
    (HEAD + "    models:\n      m: {price: {inptu: 1}}\n",
     "p.yaml: line 6: unknown key 'inptu' in provider 'x' model 'm' price; did you mean 'input'?"),
    (HEAD + "    models:\n      m: {price: {input: -1}}\n",
     "p.yaml: line 6: provider 'x' model 'm' price.input must be >= 0, got -1"),
    (HEAD + "    models:\n      m: {ranges: {temperature: [2, 1]}}\n",
     ("p.yaml: line 6: provider 'x' model 'm' ranges.temperature must be [min, max] with "
     "min <= max, got [2, 1]")),
    (HEAD + "    endpoints: {chat: chat/completions}\n",
     ("p.yaml: line 5: provider 'x' endpoints.chat 'chat/completions' must be a path starting "
     "with '/'")),
    (HEAD + "    endpoints: {chatt: /chat}\n",
     ("p.yaml: line 5: provider 'x' endpoints: unknown endpoint 'chatt' (known: chat, responses, "
     "messages); did you mean 'chat'?")),
    (HEAD + "    secret_headers: x-token\n",
     "p.yaml: line 5: provider 'x' secret_headers must be a list, got string 'x-token'"),
    ("providers:\n  x:\n    base_url: http://a\n    dialect: opnai\n",
     ("p.yaml: line 4: provider 'x' dialect must be one of openai, mistral, anthropic, "
     "got string 'opnai' (did you mean 'openai'?)")),
    ("providers:\n  x:\n    base_url: not a url\n    dialect: openai\n",
     ("p.yaml: line 3: provider 'x' base_url 'not a url' has no scheme; it must be an http:// "
     "or https:// URL with a host")),
    ("providers:\n  x:\n    base_url: ftp://x\n    dialect: openai\n",
     ("p.yaml: line 3: provider 'x' base_url 'ftp://x' has scheme 'ftp', not http or https; it "
     "must be an http:// or https:// URL with a host")),
    ("providers:\n  x:\n    base_url: http://\n    dialect: openai\n",
     ("p.yaml: line 3: provider 'x' base_url 'http://' has no host; it must be an http:// or "
     "https:// URL with a host")),
    ("providers:\n  x:\n    base_url: ${NOPE_URL}/v1\n    dialect: openai\n",
     ("p.yaml: line 3: provider 'x' base_url: environment variable NOPE_URL is not set "
     "(write ${NOPE_URL:-default} to give a default)")),
    (HEAD + "    headers: {x-org: '${NOPE_ORG}'}\n",
     ("p.yaml: line 5: provider 'x' headers: environment variable NOPE_ORG is not set "
     "(write ${NOPE_ORG:-default} to give a default)")),
    ("providers:\n  x:\n    dialect: openai\n",
     "p.yaml: line 2-3: provider 'x' needs a base_url (or extends: a provider that has one)"),
    ("providers:\n  x:\n    extends: mistrall\n",
     "p.yaml: line 3: provider 'x' extends unknown provider 'mistrall' (did you mean 'mistral'?)"),
    ("providers:\n  x:\n    extends: y\n  y:\n    extends: x\n",
     "p.yaml: line 5: provider 'y': 'extends' forms a cycle"),
    ("models: {}\n",
     "p.yaml: line 1: a providers file needs a top-level 'providers:' mapping of name -> provider"),
    ("- providers\n",
     ("p.yaml: line 1: a providers file needs a top-level 'providers:' mapping of name -> "
     "provider; got a list")),
    ("providers:\n\tx: 1\n",
     ("p.yaml: line 2: invalid YAML: found character '\\t' that cannot start any token; indent "
     "with spaces, not tabs")),
]


@pytest.mark.parametrize(("text", "first_line"), BAD, ids=[m.split(": ", 2)[2][:50] for _, m in BAD])
def test_bad_input_names_file_and_line(write: Callable[[str], str], text: str,
                                       first_line: str) -> None:
    message = _error(write(text))
    assert message.splitlines()[0] == first_line
    line = int(first_line.split("line ")[1].split(":")[0].split("-")[0])
    marked = [row for row in message.splitlines()[1:] if row.lstrip().startswith(">")]
    assert marked and marked[0].split("|")[0].split() == [">", str(line)]


@pytest.mark.parametrize("name", [".", "..", "a/b", "a\\b", "", ".hidden", "a b"])
def test_provider_names_are_checked(write: Callable[[str], str], name: str) -> None:
    message = _error(write(f"providers:\n  {json.dumps(name)}:\n    base_url: http://a\n"
                           "    dialect: openai\n"))
    assert message.splitlines()[0] == (
        f"p.yaml: line 2-4: providers key {name!r} is not a provider name: letters, digits, "
        "'_', '.' and '-', not starting with '.'"
    )


@pytest.mark.parametrize("model", [".", "..", "my model"])
def test_model_ids_are_checked(write: Callable[[str], str], model: str) -> None:
    message = _error(write(HEAD + f"    models:\n      {json.dumps(model)}: {{}}\n"))
    assert message.splitlines()[0] == (
        f"p.yaml: line 6: provider 'x' models key {model!r} is not a model id: no spaces, and "
        "not '.' or '..'"
    )


def test_duplicate_keys_name_both_lines(write: Callable[[str], str]) -> None:
    message = _error(write(HEAD + "    base_url: http://b\n"))
    assert message.splitlines()[0] == (
        "p.yaml: line 5: duplicate key 'base_url' in provider 'x' (first written at line 3)"
    )
    message = _error(write(HEAD + "  x:\n    extends: mistral\n"))
    assert message.splitlines()[0] == (
        "p.yaml: line 5: duplicate key 'x' in providers (first written at line 2)"
    )


def test_a_pasted_key_in_api_key_env_is_not_shown(write: Callable[[str], str]) -> None:
    key = "sk-live-0123456789abcdef"
    message = _error(write(HEAD + f"    api_key_env: {key}\n"))
    assert message == (
        "p.yaml: line 5: provider 'x' api_key_env must be the name of the environment variable "
        "holding the key (letters, digits and '_'), not the key"
    )
    assert key not in message


def test_an_interpolated_url_is_checked_but_not_shown(write: Callable[[str], str]) -> None:
    secret = "ftp://gw.example/v1?key=s3cr3t"
    message = _error(write("providers:\n  x:\n    base_url: ${GW_URL}\n    dialect: openai\n"),
                     env={"GW_URL": secret})
    assert message.splitlines()[0] == (
        "p.yaml: line 3: provider 'x' base_url '${GW_URL}' (after interpolation) has scheme "
        "'ftp', not http or https; it must be an http:// or https:// URL with a host"
    )
    assert "s3cr3t" not in message


@pytest.mark.parametrize("url", ["http://127.0.0.1:8000/v1", "https://api.example.com",
                                 "${LOCAL_URL:-http://localhost:1234/v1/}", "HTTPS://x.y/v1"])
def test_good_urls_load(write: Callable[[str], str], url: str) -> None:
    path = write(f"providers:\n  x:\n    base_url: '{url}'\n    dialect: openai\n"
                 "    models: {m: }\n")
    provider = load_catalogue([path], env={}).resolve("x/m").provider
    assert provider.base_url.startswith(("http://", "https://", "HTTPS://"))
    assert not provider.base_url.endswith("/")


def test_anchors_under_x_keys_and_null_models_are_allowed(write: Callable[[str], str]) -> None:
    path = write("""\
        format: 1
        x-common: &common {dialect: openai, api_key_env: null}
        providers:
          a: {<<: *common, base_url: 'http://a', models: {m1: , m2: {context_window: 8}}}
          b: {<<: *common, base_url: 'http://b', headers: {x-n: 1}, secret_headers: [x-n]}
        """)
    catalogue = load_catalogue([path], env={})
    assert catalogue.resolve("a/m2").model.context_window == 8
    assert catalogue.providers["b"].headers == {"x-n": "1"}
    assert catalogue.providers["b"].api_key_env is None


def test_the_packaged_catalogue_passes_the_same_validation() -> None:
    text = resources.files("harness.providers").joinpath("catalogue.yaml").read_text("utf-8")
    assert list(Draft202012Validator(providers_schema()).iter_errors(yaml.safe_load(text))) == []
    src = ProvidersSource.from_text(text, PACKAGED)  # duplicates, schema
    assert src.doc.duplicates == []
    assert sorted(load_catalogue([], env={}).providers) == ["empiriolabs", "mistral"]


def test_the_schema_ships_and_is_valid_draft_2020_12() -> None:
    shipped = resources.files("harness.providers").joinpath("schema.json")
    assert json.loads(shipped.read_text("utf-8")) == providers_schema()
    assert PROVIDERS_SCHEMA_PATH.name == "schema.json"
    Draft202012Validator.check_schema(providers_schema())
    provider = providers_schema()["$defs"]["provider"]["properties"]
    assert sorted(provider) == sorted([
        "description", "base_url", "dialect", "api_key_env", "endpoints", "models", "headers",
        "secret_headers", "extends",
    ])
    assert all(spec.get("description") for spec in provider.values())


def _cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    code = main(argv)
    err = capsys.readouterr().err
    assert code == 2, err
    assert "Traceback" not in err
    return err


@pytest.mark.parametrize("command", ["targets", "validate", "run"])
def test_cli_exits_2_with_the_line(write: Callable[[str], str],
                                   capsys: pytest.CaptureFixture[str], command: str) -> None:
    path = write(HEAD + "    models:\n      m: {context_window: abc}\n")
    argv = {
        "targets": ["targets", "--providers", path],
        "validate": ["validate", path],
        "run": ["run", BASIC, "--target", "x/m", "--providers", path, "--out", "o"],
    }[command]
    err = _cli(argv, capsys)
    assert err.startswith(
        "error: p.yaml: line 6: provider 'x' model 'm' context_window must be an integer, "
        "got string 'abc'\n"
    )
    assert "  > 6 |       m: {context_window: abc}" in err
    assert not Path("o").exists()


def test_validate_says_ok_for_a_good_providers_file(write: Callable[[str], str],
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    path = write(HEAD + "    models: {m: , n: }\n  y: {extends: mistral}\n")
    assert main(["validate", path, BASIC]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "ok  p.yaml: providers file, 2 providers, 6 models"
    assert out[1].startswith("ok  ") and "suite 'basic'" in out[1]


# -- property: anything given as a providers file raises a usage error or loads -------------

KEYS = ["providers", "format", "base_url", "dialect", "api_key_env", "extends", "endpoints",
        "models", "headers", "secret_headers", "description", "price", "context_window",
        "max_output", "ranges", "input", "aliases", "notes", "output", "per_call", "chat",
        "mistral", "x", "..", "a/b", ""]
SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(allow_nan=True),
    st.text(max_size=12), st.sampled_from(["openai", "mistral", "http://a", "ftp://x", "${V}",
                                           "${V:-http://b}", "/chat", "x", "mistral"]),
)
VALUES: Any = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.one_of(st.sampled_from(KEYS), st.text(max_size=6)), inner,
                        max_size=4),
    ),
    max_leaves=25,
)
FILES = st.one_of(
    st.dictionaries(st.sampled_from(KEYS), VALUES, max_size=3).map(yaml.safe_dump),
    st.dictionaries(st.sampled_from(KEYS), VALUES, max_size=5)
    .map(lambda d: yaml.safe_dump({"providers": {"p": d, "mistral": {"extends": "mistral", **d}}})),
    st.text(max_size=80),
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=FILES, env=st.dictionaries(st.sampled_from(["V", "W"]), st.text(max_size=10)))
def test_any_providers_file_loads_or_raises_a_usage_error(
    tmp_path_factory: pytest.TempPathFactory, text: str, env: dict[str, str]
) -> None:
    path = tmp_path_factory.getbasetemp() / "hypothesis-providers.yaml"
    path.write_text(text, encoding="utf-8")
    try:
        catalogue = load_catalogue([path], env=env)
    except UsageError as exc:
        assert str(exc).startswith(str(path))
        return
    for target in catalogue.targets():
        assert target.provider.base_url.lower().startswith(("http://", "https://"))
