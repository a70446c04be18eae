"""Suite loading: the table of broken suites and their messages, excerpts, good suites."""

from __future__ import annotations

import pytest

from harness.core.errors import SuiteError, UsageError
from harness.core.models import CheckSpec, SourceLoc
from harness.suite import load_suite, load_suite_text, load_suites

OK_MSG = "{role: user, content: hi}"
TOOLS = "tools: [{type: function, function: {name: get_weather, parameters: {type: object}}}]"

# (id, suite text, the exact first line of the error message)
BROKEN = [
    (
        "yaml_syntax",
        """\
        cases:
          - id: a
            request: {messages: [}
        """,
        (
            "broken.yaml: line 3: invalid YAML: expected the node content, but found '}' "
            "(while parsing a flow node at line 3)"
        ),
    ),
    (
        "yaml_tab",
        "cases:\n\t- id: a\n",
        (
            "broken.yaml: line 2: invalid YAML: found character '\\t' that cannot start any token; "
            "indent with spaces, not tabs"
        ),
    ),
    (
        "yaml_tag",
        """\
        cases:
          - id: a
            request: {messages: [{role: user, content: !foo hi}]}
        """,
        "broken.yaml: line 3: unsupported YAML tag '!foo'",
    ),
    (
        "empty_file",
        "# only a comment\n",
        "broken.yaml: line 1: the file is empty: a suite needs a 'cases:' list",
    ),
    (
        "top_level_list",
        "- a\n- b\n",
        "broken.yaml: line 1-2: the top level must be a mapping with a 'cases:' list, got a list",
    ),
    (
        "missing_cases",
        "suite: x\ndescription: y\n",
        "broken.yaml: line 1-2: missing key 'cases' at the top level",
    ),
    ("empty_cases", "cases: []\n", "broken.yaml: line 1: cases must not be empty"),
    (
        "case_not_mapping",
        "cases:\n  - just a string\n",
        "broken.yaml: line 2: case #1 must be a mapping, got string 'just a string'",
    ),
    (
        "case_missing_id",
        f"""\
        cases:
          - id: a
            request: {{messages: [{OK_MSG}]}}
          - description: no id
            request: {{messages: [{OK_MSG}]}}
        """,
        "broken.yaml: line 4-5: missing key 'id' in case #2",
    ),
    (
        "bad_case_id",
        f"""\
        cases:
          - id: a b
            request: {{messages: [{OK_MSG}]}}
        """,
        "broken.yaml: line 2: case #1 id 'a b' may only hold letters, digits, '_', '.' and '-'",
    ),
    (
        "duplicate_case_id",
        f"""\
        cases:
          - id: a
            request: {{messages: [{OK_MSG}]}}
          - id: a
            request: {{messages: [{OK_MSG}]}}
        """,
        "broken.yaml: line 4: duplicate case id 'a' (first used at line 2)",
    ),
    (
        "duplicate_yaml_key",
        f"""\
        cases:
          - id: a
            request:
              messages: [{OK_MSG}]
              temperature: 0.1
              temperature: 0.2
        """,
        (
            "broken.yaml: line 6: duplicate key 'temperature' in case 'a' request "
            "(first written at line 5)"
        ),
    ),
    (
        "unknown_suite_key",
        "case:\n  - id: a\n",
        "broken.yaml: line 1-2: unknown key 'case' at the top level; did you mean 'cases'?",
    ),
    (
        "unknown_defaults_key",
        "defaults:\n  requests: {}\ncases:\n  - id: a\n",
        "broken.yaml: line 2: unknown key 'requests' in defaults; did you mean 'request'?",
    ),
    (
        "unknown_defaults_request_key",
        "defaults:\n  request:\n    max_token: 3\ncases:\n  - id: a\n",
        (
            "broken.yaml: line 3: unknown key 'max_token' in defaults.request; "
            "did you mean 'max_tokens'?"
        ),
    ),
    (
        "unknown_case_key",
        "cases:\n  - id: a\n    expects: []\n",
        "broken.yaml: line 3: unknown key 'expects' in case 'a'; did you mean 'expect'?",
    ),
    (
        "unknown_request_key",
        f"""\
        cases:
          - id: a
            request:
              messages: [{OK_MSG}]
              temprature: 0.2
        """,
        (
            "broken.yaml: line 5: unknown key 'temprature' in case 'a' request; "
            "did you mean 'temperature'?"
        ),
    ),
    (
        "model_in_request",
        f"""\
        cases:
          - id: a
            request:
              model: gpt-4o
              messages: [{OK_MSG}]
        """,
        (
            "broken.yaml: line 4: unknown key 'model' in case 'a' request; the target gives the model "
            "(filter targets with 'targets:')"
        ),
    ),
    (
        "unquoted_comma",
        """\
        cases:
          - id: a
            request: {messages: [{role: user, content: Hello, world}]}
        """,
        (
            "broken.yaml: line 3: unknown key 'world' in case 'a' request.messages[0]; if it is the end "
            "of a text, quote the text: a ',' inside {...} starts a new key"
        ),
    ),
    (
        "wrong_type_temperature",
        f"""\
        cases:
          - id: a
            request:
              messages: [{OK_MSG}]
              temperature: hot
        """,
        "broken.yaml: line 5: case 'a' request.temperature must be a number, got string 'hot'",
    ),
    (
        "null_value",
        f"""\
        cases:
          - id: a
            request:
              messages: [{OK_MSG}]
              temperature:
        """,
        "broken.yaml: line 5: case 'a' request.temperature must be a number, got nothing (null)",
    ),
    (
        "wrong_type_raw",
        f"""\
        cases:
          - id: a
            raw: yes please
            request: {{messages: [{OK_MSG}]}}
        """,
        "broken.yaml: line 3: case 'a' raw must be true or false, got string 'yes please'",
    ),
    (
        "repeat_zero",
        f"""\
        cases:
          - id: a
            repeat: 0
            request: {{messages: [{OK_MSG}]}}
        """,
        "broken.yaml: line 3: case 'a' repeat must be >= 1, got 0",
    ),
    (
        "repeat_too_big",
        f"""\
        cases:
          - id: a
            repeat: 1001
            request: {{messages: [{OK_MSG}]}}
        """,
        "broken.yaml: line 3: case 'a' repeat must be <= 1000, got 1001",
    ),
    (
        "timeout_zero",
        f"""\
        cases:
          - id: a
            timeout_s: 0
            request: {{messages: [{OK_MSG}]}}
        """,
        "broken.yaml: line 3: case 'a' timeout_s must be > 0, got 0",
    ),
    (
        "enum_endpoint",
        f"""\
        cases:
          - id: a
            request:
              endpoint: chta
              messages: [{OK_MSG}]
        """,
        (
            "broken.yaml: line 4: case 'a' request.endpoint must be one of 'chat', 'responses', "
            "'messages', got string 'chta'; did you mean 'chat'?"
        ),
    ),
    (
        "enum_role",
        """\
        cases:
          - id: a
            request: {messages: [{role: usr, content: hi}]}
        """,
        (
            "broken.yaml: line 3: case 'a' request.messages[0].role must be one of 'system', 'user', "
            "'assistant', 'tool', 'developer', got string 'usr'; did you mean 'user'?"
        ),
    ),
    (
        "enum_dialect",
        f"""\
        cases:
          - id: a
            dialects: [mistrel]
            request: {{messages: [{OK_MSG}]}}
        """,
        (
            "broken.yaml: line 3: case 'a' dialects[0] must be one of 'openai', 'mistral', 'anthropic', "
            "got string 'mistrel'; did you mean 'mistral'?"
        ),
    ),
    (
        "tool_choice_string",
        f"""\
        cases:
          - id: a
            request: {{messages: [{OK_MSG}], tool_choice: autoo}}
        """,
        (
            "broken.yaml: line 3: case 'a' request.tool_choice must be one of 'auto', 'none', "
            "'required', 'any', got string 'autoo'; did you mean 'auto'?"
        ),
    ),
    (
        "tool_choice_object",
        f"""\
        cases:
          - id: a
            request:
              messages: [{OK_MSG}]
              tool_choice: {{type: function, function: {{nmae: x}}}}
        """,
        (
            "broken.yaml: line 5: unknown key 'nmae' in case 'a' request.tool_choice.function; "
            "did you mean 'name'?"
        ),
    ),
    (
        "stop_wrong_type",
        f"""\
        cases:
          - id: a
            request: {{messages: [{OK_MSG}], stop: 5}}
        """,
        (
            "broken.yaml: line 3: case 'a' request.stop must be a string or a list of strings, "
            "got integer 5"
        ),
    ),
    (
        "content_wrong_type",
        """\
        cases:
          - id: a
            request: {messages: [{role: user, content: 5}]}
        """,
        (
            "broken.yaml: line 3: case 'a' request.messages[0].content must be a string or a list of "
            "content parts, got integer 5"
        ),
    ),
    (
        "message_missing_content",
        """\
        cases:
          - id: a
            request: {messages: [{role: user}]}
        """,
        "broken.yaml: line 3: missing key 'content' in case 'a' request.messages[0]",
    ),
    (
        "json_schema_missing",
        f"""\
        cases:
          - id: a
            request:
              messages: [{OK_MSG}]
              response_format: {{type: json_schema}}
        """,
        (
            "broken.yaml: line 5: missing key 'json_schema' in case 'a' request.response_format "
            "(type json_schema needs {name, schema})"
        ),
    ),
    (
        "messages_missing",
        "cases:\n  - id: a\n    request: {temperature: 0.2}\n",
        "broken.yaml: line 3: missing key 'messages' in case 'a' request (needed unless raw: true)",
    ),
    (
        "request_missing",
        "cases:\n  - id: a\n",
        "broken.yaml: line 2: missing key 'messages' in case 'a' request (needed unless raw: true)",
    ),
    (
        "raw_without_body",
        """\
        cases:
          - id: a
            raw: true
            request: {endpoint: chat}
        """,
        (
            "broken.yaml: line 4: missing key 'body' in case 'a' request "
            "(raw: true sends request.body untouched)"
        ),
    ),
    (
        "raw_with_messages",
        f"""\
        cases:
          - id: a
            raw: true
            request:
              body: {{}}
              messages: [{OK_MSG}]
        """,
        (
            "broken.yaml: line 6: case 'a' request.messages is not used with raw: true; only body, "
            "endpoint and auth are (write the whole JSON body under body)"
        ),
    ),
    (
        "body_without_raw",
        f"""\
        cases:
          - id: a
            request:
              messages: [{OK_MSG}]
              body: {{}}
        """,
        "broken.yaml: line 5: case 'a' request.body is only used with raw: true",
    ),
    (
        "body_in_defaults",
        "defaults:\n  request:\n    body: {}\ncases:\n  - id: a\n",
        "broken.yaml: line 3: defaults.request.body is not allowed: body belongs in a raw: true case",
    ),
    (
        "matrix_not_list",
        f"""\
        cases:
          - id: a
            request: {{messages: [{OK_MSG}]}}
            matrix:
              temperature: 0.5
        """,
        "broken.yaml: line 5: case 'a' matrix.temperature must be a list, got number 0.5",
    ),
    (
        "matrix_empty_list",
        f"""\
        cases:
          - id: a
            request: {{messages: [{OK_MSG}]}}
            matrix:
              temperature: []
        """,
        "broken.yaml: line 5: case 'a' matrix.temperature must not be empty",
    ),
    (
        "matrix_unknown_key",
        f"""\
        cases:
          - id: a
            request: {{messages: [{OK_MSG}]}}
            matrix:
              temprature: [0.5]
        """,
        (
            "broken.yaml: line 5: unknown key 'temprature' in case 'a' matrix; did you mean "
            "'temperature'? (matrix keys are request fields)"
        ),
    ),
    (
        "matrix_bad_key",
        f"""\
        cases:
          - id: a
            request: {{messages: [{OK_MSG}]}}
            matrix:
              "a b": [1]
        """,
        (
            "broken.yaml: line 5: case 'a' matrix key 'a b' must be a request field name or a dotted "
            "path into one"
        ),
    ),
    (
        "matrix_value_type",
        f"""\
        cases:
          - id: a
            request: {{messages: [{OK_MSG}]}}
            matrix:
              temperature:
                - 0.5
                - hot
        """,
        "broken.yaml: line 7: case 'a' matrix.temperature[1] must be a number, got string 'hot'",
    ),
    (
        "matrix_duplicate_value",
        f"""\
        cases:
          - id: a
            request: {{messages: [{OK_MSG}]}}
            matrix:
              temperature: [0.5, 0.5]
        """,
        "broken.yaml: line 5: case 'a' matrix.temperature lists 0.5 twice (items 0 and 1)",
    ),
    (
        "matrix_dotted_into_scalar",
        f"""\
        cases:
          - id: a
            request: {{messages: [{OK_MSG}], temperature: 1}}
            matrix:
              temperature.x: [1]
        """,
        (
            "broken.yaml: line 5: case 'a' matrix: cannot set 'temperature.x': temperature is int 1, "
            "not a mapping or a list"
        ),
    ),
    (
        "matrix_raw_value",
        """\
        cases:
          - id: a
            raw: true
            request: {body: {}}
            matrix:
              auth: [none, bogus]
        """,
        ("broken.yaml: line 6: case 'a' matrix.auth[1] must be one of 'key', 'invalid', 'none', "
        "got string 'bogus'"),
    ),
    (
        "unknown_check",
        f"""\
        cases:
          - id: a
            request: {{messages: [{OK_MSG}]}}
            expect:
              - t_status: 200
              - t_statsu: 200
        """,
        (
            "broken.yaml: line 6: unknown check 't_statsu' in case 'a' expect[1]; "
            "did you mean 't_status'?"
        ),
    ),
    (
        "unknown_check_in_defaults",
        f"""\
        defaults:
          expect:
            - t_contian: x
        cases:
          - id: a
            request: {{messages: [{OK_MSG}]}}
        """,
        (
            "broken.yaml: line 3: unknown check 't_contian' in defaults.expect[0]; "
            "did you mean 't_contains'?"
        ),
    ),
    (
        "bad_check_args",
        f"""\
        cases:
          - id: a
            request: {{messages: [{OK_MSG}]}}
            expect:
              - t_status: ok
        """,
        (
            "broken.yaml: line 5: case 'a' expect[0]: check 't_status': expected an HTTP status code or "
            "a list of them, got 'ok'"
        ),
    ),
    (
        "bad_check_args_type_error",
        f"""\
        cases:
          - id: a
            request: {{messages: [{OK_MSG}]}}
            expect:
              - t_contains: 3
        """,
        "broken.yaml: line 5: case 'a' expect[0]: check 't_contains': expected a string, got int",
    ),
    (
        "user_check_not_importable",
        f"""\
        cases:
          - id: a
            request: {{messages: [{OK_MSG}]}}
            expect:
              - no_such_mod_xyz.checks:fn: {{}}
        """,
        (
            "broken.yaml: line 5: case 'a' expect[0]: cannot import user check "
            "'no_such_mod_xyz.checks:fn': No module named 'no_such_mod_xyz'"
        ),
    ),
    (
        "expect_two_keys",
        f"""\
        cases:
          - id: a
            request: {{messages: [{OK_MSG}]}}
            expect:
              - t_status: 200
                t_any: 1
        """,
        (
            "broken.yaml: line 5-6: case 'a' expect[0] must be one 'check_name: args' mapping, got 2 "
            "keys ('t_status', 't_any'); start each check with its own '- '"
        ),
    ),
    (
        "expect_not_mapping",
        f"""\
        cases:
          - id: a
            request: {{messages: [{OK_MSG}]}}
            expect:
              - 200
        """,
        (
            "broken.yaml: line 5: case 'a' expect[0] must be a 'check_name: args' mapping, "
            "got integer 200"
        ),
    ),
    (
        "earliest_error_wins",
        f"""\
        cases:
          - id: a
            repeat: 0
            request:
              messages: [{OK_MSG}]
              temperature: hot
        """,
        "broken.yaml: line 3: case 'a' repeat must be >= 1, got 0",
    ),
    (
        "tool_loop_without_tools",
        f"""\
        cases:
          - id: a
            request: {{messages: [{OK_MSG}]}}
            tool_loop: {{results: {{get_weather: sunny}}}}
        """,
        "broken.yaml: line 4: case 'a' tool_loop needs request.tools: the functions the model may call",
    ),
    (
        "tool_loop_undeclared_tool",
        f"""\
        cases:
          - id: a
            request: {{messages: [{OK_MSG}], {TOOLS}}}
            tool_loop:
              results:
                get_wether: sunny
        """,
        (
            "broken.yaml: line 6: case 'a' tool_loop.results names 'get_wether', which "
            "request.tools does not declare; did you mean 'get_weather'?"
        ),
    ),
    (
        "tool_loop_raw",
        """\
        cases:
          - id: a
            raw: true
            request: {body: {}}
            tool_loop: {results: {x: 1}}
        """,
        (
            "broken.yaml: line 5: case 'a' tool_loop cannot run a raw: true case (the harness "
            "must build each turn's request)"
        ),
    ),
    (
        "tool_loop_missing_results",
        f"""\
        cases:
          - id: a
            request: {{messages: [{OK_MSG}], {TOOLS}}}
            tool_loop: {{max_turns: 3}}
        """,
        "broken.yaml: line 4: missing key 'results' in case 'a' tool_loop",
    ),
    (
        "tool_loop_empty_results",
        f"""\
        cases:
          - id: a
            request: {{messages: [{OK_MSG}], {TOOLS}}}
            tool_loop: {{results: {{}}}}
        """,
        "broken.yaml: line 4: case 'a' tool_loop.results must not be empty",
    ),
    (
        "tool_loop_max_turns_1",
        f"""\
        cases:
          - id: a
            request: {{messages: [{OK_MSG}], {TOOLS}}}
            tool_loop: {{results: {{get_weather: 1}}, max_turns: 1}}
        """,
        "broken.yaml: line 4: case 'a' tool_loop.max_turns must be >= 2, got 1",
    ),
    (
        "tool_loop_key_typo",
        f"""\
        cases:
          - id: a
            request: {{messages: [{OK_MSG}], {TOOLS}}}
            tool_loop: {{results: {{get_weather: 1}}, max_turn: 3}}
        """,
        "broken.yaml: line 4: unknown key 'max_turn' in case 'a' tool_loop; did you mean 'max_turns'?",
    ),
    (
        "tool_loop_from_defaults_without_tools",
        f"""\
        defaults:
          tool_loop: {{results: {{get_weather: 1}}}}
        cases:
          - id: a
            request: {{messages: [{OK_MSG}]}}
        """,
        "broken.yaml: line 2: case 'a' tool_loop needs request.tools: the functions the model may call",
    ),
    (
        "expect_each_turn_unknown_check",
        f"""\
        cases:
          - id: a
            request: {{messages: [{OK_MSG}]}}
            expect_each_turn:
              - statuss: 200
        """,
        "broken.yaml: line 5: unknown check 'statuss' in case 'a' expect_each_turn[0]; did you mean 'status'?",
    ),
]


@pytest.mark.parametrize(
    ("text", "first_line"), [row[1:] for row in BROKEN], ids=[row[0] for row in BROKEN]
)
def test_broken_suite_first_line(write, text, first_line):
    path = write(text, "broken.yaml")
    with pytest.raises(SuiteError) as info:
        load_suite(path)
    message = str(info.value)
    assert message.splitlines()[0] == first_line
    assert info.value.path == "broken.yaml"
    assert info.value.line == int(first_line.split("line ")[1].split(":")[0].split("-")[0])
    assert isinstance(info.value, UsageError)


def test_table_is_big_and_ids_unique():
    ids = [row[0] for row in BROKEN]
    assert len(ids) == len(set(ids)) >= 15


def test_excerpt_format(write):
    path = write(
        """\
        suite: s
        cases:
          - id: a
            description: first
            request:
              messages: [{role: user, content: hi}]
              temprature: 0.2
        """,
        "broken.yaml",
    )
    with pytest.raises(SuiteError) as info:
        load_suite(path)
    assert str(info.value) == (
        "broken.yaml: line 7: unknown key 'temprature' in case 'a' request; "
        "did you mean 'temperature'?\n"
        "    5 |     request:\n"
        "    6 |       messages: [{role: user, content: hi}]\n"
        "  > 7 |       temprature: 0.2"
    )


def test_excerpt_of_a_long_node_is_cut(write):
    messages = "\n".join(f"      - {{role: user, content: m{i}}}" for i in range(12))
    text = "cases:\n  - id: a\n    raw: true\n    request:\n      messages:\n" + messages + "\n"
    path = write(text, "broken.yaml")
    with pytest.raises(SuiteError) as info:
        load_suite(path)
    lines = str(info.value).splitlines()
    assert (
        lines[0] == "broken.yaml: line 4-17: missing key 'body' in case 'a' request "
        "(raw: true sends request.body untouched)"
    )
    assert lines[1] == "     2 |   - id: a"
    assert lines[3] == "  >  4 |     request:"
    assert lines[-2] == "    11 |       - {role: user, content: m5}"
    assert lines[-1] == "       | ..."


def test_missing_file_names_the_file(write):
    write("cases: []\n", "other.yaml")
    with pytest.raises(SuiteError, match=r"^nope\.yaml: no such file$"):
        load_suite("nope.yaml")


def test_non_utf8_file(write, tmp_path):
    (tmp_path / "latin.yaml").write_bytes(b"cases:\n  - id: caf\xe9\n")
    with pytest.raises(SuiteError, match=r"^latin\.yaml: not UTF-8 text"):
        load_suite("latin.yaml")


def test_providers_file_is_not_a_suite(write):
    path = write("providers:\n  x: {}\n", "providers.yaml")
    with pytest.raises(SuiteError) as info:
        load_suite(path)
    assert str(info.value).splitlines()[0] == (
        "providers.yaml: line 1-2: this is a providers file (it has 'providers:' and no 'cases:'), "
        "not a suite"
    )


def test_validate_checks_false_skips_the_registry(write):
    path = write(
        """\
        cases:
          - id: a
            request: {messages: [{role: user, content: hi}]}
            expect:
              - not_registered_anywhere: 1
        """
    )
    suite = load_suite(path, validate_checks=False)
    assert suite.cases[0].expect[0].name == "not_registered_anywhere"


GOOD = """\
# suites/tools.yaml
suite: tools
description: Tool calling contract
defaults:
  request:
    max_tokens: 256
    temperature: 0.2
    extra: {safe_prompt: false, nested: {a: 1}}
  expect:
    - t_status: 200
    - t_contains: hello
  tags: [smoke, tools]
  timeout_s: 20
cases:
  - id: weather_forced
    description: tool_choice required forces a call
    tags: [tools, forced]
    targets: ["*/mistral-medium-*"]
    dialects: [mistral]
    timeout_s: 30
    request:
      endpoint: chat
      messages:
        - {role: user, content: "Weather in Lagos?"}
      tools:
        - type: function
          function:
            name: get_weather
            parameters: {type: object, properties: {city: {type: string}}}
      tool_choice: required
      response_format: {type: json_object}
      temperature: 0.3
      top_p: 1
      stop: ["four"]
      seed: 42
      stream: false
      auth: invalid
      extra: {web_search_linkup: true, nested: {b: 2}}
    matrix:
      temperature: [0.0, 1.0]
      tool_choice: [auto, required]
    repeat: 3
    expect:
      - t_status: 401
      - t_any: {name: get_weather, arguments: {city: Lagos}}
      - t_any
  - id: plain
    request:
      messages:
        - role: system
          content: Be brief.
        - role: user
          content:
            - {type: text, text: hi}
  - id: negative
    raw: true
    request:
      auth: none
      body: '{"model": "broken'
"""


def test_good_suite_loads_with_defaults_merged(write):
    path = write(GOOD, "suites/tools.yaml")
    suite = load_suite(path)
    assert suite.name == "tools"
    assert suite.path == "suites/tools.yaml"
    assert suite.description == "Tool calling contract"
    assert [c.id for c in suite.cases] == ["weather_forced", "plain", "negative"]
    assert suite.defaults["tags"] == ["smoke", "tools"]

    weather, plain, negative = suite.cases
    assert weather.suite == "tools"
    assert weather.request["max_tokens"] == 256  # from defaults
    assert weather.request["temperature"] == 0.3  # the case wins
    assert weather.request["extra"] == {
        "safe_prompt": False,
        "web_search_linkup": True,
        "nested": {"a": 1, "b": 2},
    }
    assert weather.request["auth"] == "invalid"
    assert weather.request["endpoint"] == "chat"
    assert weather.matrix == {"temperature": [0.0, 1.0], "tool_choice": ["auto", "required"]}
    assert weather.repeat == 3
    assert weather.raw is False
    assert weather.tags == ("smoke", "tools", "forced")
    assert weather.targets == ("*/mistral-medium-*",)
    assert weather.dialects == ("mistral",)
    assert weather.timeout_s == 30.0
    assert weather.description == "tool_choice required forces a call"
    assert weather.loc == SourceLoc("suites/tools.yaml", 15, 46)
    # defaults' checks first; the case's t_status replaces the default t_status
    assert weather.expect == [
        CheckSpec("t_contains", "hello", SourceLoc("suites/tools.yaml", 11, 11)),
        CheckSpec("t_status", 401, SourceLoc("suites/tools.yaml", 44, 44)),
        CheckSpec(
            "t_any",
            {"name": "get_weather", "arguments": {"city": "Lagos"}},
            SourceLoc("suites/tools.yaml", 45, 45),
        ),
        CheckSpec("t_any", None, SourceLoc("suites/tools.yaml", 46, 46)),
    ]

    assert plain.request == {
        "max_tokens": 256,
        "temperature": 0.2,
        "extra": {"safe_prompt": False, "nested": {"a": 1}},
        "messages": [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": [{"type": "text", "text": "hi"}]},
        ],
    }
    assert plain.tags == ("smoke", "tools")
    assert plain.targets == () and plain.dialects == ()
    assert plain.timeout_s == 20.0  # from defaults
    assert plain.repeat == 1 and plain.matrix == {}
    assert [s.name for s in plain.expect] == ["t_status", "t_contains"]
    assert plain.loc == SourceLoc("suites/tools.yaml", 47, 54)
    assert plain.endpoint == "chat"

    # raw cases take only endpoint/auth from the defaults and send body untouched
    assert negative.raw is True
    assert negative.request == {"auth": "none", "body": '{"model": "broken'}


def test_defaults_do_not_leak_between_cases(write):
    suite = load_suite(write(GOOD))
    suite.cases[0].request["extra"]["nested"]["a"] = 99
    assert suite.cases[1].request["extra"]["nested"]["a"] == 1
    assert suite.defaults["request"]["extra"]["nested"] == {"a": 1}


def test_suite_name_defaults_to_file_stem(write):
    path = write(
        "cases:\n  - id: a\n    request: {messages: [{role: user, content: hi}]}\n", "my-suite.yml"
    )
    suite = load_suite(path)
    assert suite.name == "my-suite"
    assert suite.cases[0].suite == "my-suite"


def test_yaml_anchors_and_merge_keys(write):
    path = write(
        """\
        cases:
          - id: a
            request: &base
              messages: [{role: user, content: hi}]
              temperature: 0.5
          - id: b
            request:
              <<: *base
              temperature: 0.9
        """
    )
    a, b = load_suite(path).cases
    assert b.request == {"messages": [{"role": "user", "content": "hi"}], "temperature": 0.9}
    assert a.request["temperature"] == 0.5


def test_load_suite_text():
    suite = load_suite_text(
        "cases:\n  - id: a\n    request: {messages: [{role: user, content: hi}]}\n", "inline.yaml"
    )
    assert suite.name == "inline"
    assert suite.cases[0].loc == SourceLoc("inline.yaml", 2, 3)


# --- load_suites --------------------------------------------------------------------------

CASE = "cases:\n  - id: a\n    request: {messages: [{role: user, content: hi}]}\n"


def test_load_suites_walks_folders_sorted_and_skips(write):
    write(CASE, "suites/b.yaml")
    write(CASE, "suites/a.yml")
    write(CASE, "suites/sub/c.yaml")
    write(CASE, "suites/_draft.yaml")
    write(CASE, "suites/_wip/d.yaml")
    write(CASE, "suites/.hidden/e.yaml")
    write("providers:\n  local: {base_url: http://x}\n", "suites/providers.yaml")
    write("not yaml at all: [", "suites/notes.txt")
    suites = load_suites(["suites"])
    assert [s.name for s in suites] == ["a", "b", "c"]
    assert [s.path for s in suites] == ["suites/a.yml", "suites/b.yaml", "suites/sub/c.yaml"]


def test_load_suites_files_and_dedup(write):
    write(CASE, "suites/a.yaml")
    write(CASE, "_explicit.yaml")
    suites = load_suites(["suites/a.yaml", "suites", "_explicit.yaml"])
    assert [s.name for s in suites] == ["a", "_explicit"]


def test_load_suites_duplicate_name_names_both_files(write):
    write(CASE, "x/tools.yaml")
    write("suite: tools\n" + CASE, "y/other.yaml")
    with pytest.raises(SuiteError) as info:
        load_suites(["x", "y"])
    assert str(info.value).splitlines()[0] == (
        "y/other.yaml: line 1: suite name 'tools' is already used by x/tools.yaml; "
        "give one of them another 'suite:' name"
    )


def test_load_suites_errors(write):
    write("providers: {}\n", "providers.yaml")
    (write(CASE, "empty/x.txt"))
    with pytest.raises(SuiteError, match=r"^nowhere: no such file or folder$"):
        load_suites(["nowhere"])
    with pytest.raises(SuiteError, match=r"^empty: no suite files \(\*\.yaml, \*\.yml\)"):
        load_suites(["empty"])
    with pytest.raises(SuiteError, match=r"providers file"):
        load_suites(["providers.yaml"])


def test_load_suites_reports_the_broken_file(write):
    write(CASE, "suites/a.yaml")
    write("cases:\n  - id: a\n    repeat: -1\n", "suites/b.yaml")
    with pytest.raises(SuiteError, match=r"^suites/b\.yaml: line 3: case 'a' repeat must be >= 1"):
        load_suites(["suites"])
