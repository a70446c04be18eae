"""Auth, validation and routing errors, each in its dialect's exact real envelope."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
import pytest
import yaml

from harness.sim import SimConfig, SimServer, mask_key
from tests.realworld import CASSETTES, interaction
from tests.sim.simtest_helpers import (
    AUTH,
    GATEWAY_MODEL,
    MISTRAL_MODEL,
    WEATHER_TOOL,
    post,
    user,
    uses_realworld,
)

SECRET = "sk-live-THIS-IS-A-SECRET-abcdefghijklmnop9876"


def mistral_422(client: httpx.Client, srv: SimServer, **body: Any) -> list[dict[str, Any]]:
    resp = post(client, srv, {"model": MISTRAL_MODEL, "messages": user("hi"), **body})
    assert resp.status_code == 422, resp.text
    got = resp.json()
    assert {k: v for k, v in got.items() if k != "message"} == {
        "object": "error",
        "type": "invalid_request_error",
        "param": None,
        "code": None,
    }
    return got["message"]["detail"]


def gateway_400(
    client: httpx.Client, srv: SimServer, status: int = 400, **body: Any
) -> dict[str, Any]:
    resp = post(client, srv, {"model": GATEWAY_MODEL, "messages": user("hi"), **body})
    assert resp.status_code == status, resp.text
    assert resp.text.endswith("}\n") and resp.text.startswith('{\n    "error": {')
    err = resp.json()["error"]
    assert set(err) == {"message", "type", "param", "code"}
    return err


# ---------------------------------------------------------------- 401


def test_mistral_401_missing_and_wrong_key(client: httpx.Client, mistral: SimServer) -> None:
    url = f"{mistral.url}/chat/completions"
    body = {"model": MISTRAL_MODEL, "messages": user("hi")}
    for headers in ({}, {"Authorization": f"Bearer {SECRET}"}, {"Authorization": SECRET}):
        resp = client.post(url, json=body, headers=headers)
        assert resp.status_code == 401
        assert resp.json() == {"detail": "Unauthorized"}
        assert SECRET not in resp.text and SECRET not in str(resp.headers)
    assert client.get(f"{mistral.url}/models").status_code == 401


@uses_realworld
def test_gateway_401_is_byte_exact_with_the_real_one(
    client: httpx.Client, gateway: SimServer
) -> None:
    path = CASSETTES / "mirascope/test_authentication_error/openai_gpt_4o_completions.yaml"
    recorded = yaml.safe_load(path.read_text())["interactions"][0]["response"]
    resp = client.post(
        f"{gateway.url}/chat/completions",
        json={"model": GATEWAY_MODEL, "messages": user("x")},
        headers={"Authorization": "Bearer invalid-api-key-12345"},
    )
    assert resp.status_code == recorded["status"]["code"] == 401
    assert resp.text == recorded["body"]["string"]  # byte for byte, 4-space indent and all
    assert resp.headers["content-type"] == "application/json; charset=utf-8"


def test_gateway_401_never_echoes_the_key(client: httpx.Client, gateway: SimServer) -> None:
    resp = client.post(
        f"{gateway.url}/chat/completions",
        json={"model": GATEWAY_MODEL, "messages": user("x")},
        headers={"Authorization": f"Bearer {SECRET}"},
    )
    assert resp.status_code == 401
    assert SECRET not in resp.text and SECRET not in str(resp.headers)
    assert mask_key(SECRET) in resp.json()["error"]["message"]
    assert resp.json()["error"]["code"] == "invalid_api_key"
    for key in ("short", "12345678", "x" * 16, SECRET):
        assert key not in mask_key(key)


def test_gateway_401_without_key(client: httpx.Client, gateway: SimServer) -> None:
    resp = client.post(
        f"{gateway.url}/chat/completions", json={"model": GATEWAY_MODEL, "messages": user("x")}
    )
    assert resp.status_code == 401
    err = resp.json()["error"]
    assert err["message"].startswith("You didn't provide an API key.")
    assert err["code"] is None and err["type"] == "invalid_request_error"


def test_extra_key_from_environment(monkeypatch: pytest.MonkeyPatch, client: httpx.Client) -> None:
    monkeypatch.setenv("HARNESS_SIM_API_KEY", "env-key-123")
    with SimServer(SimConfig()) as srv:
        body = {"model": MISTRAL_MODEL, "messages": user("hi")}
        for key in ("env-key-123", "sim-key"):
            resp = client.post(
                f"{srv.url}/chat/completions", json=body, headers={"Authorization": f"Bearer {key}"}
            )
            assert resp.status_code == 200


# ---------------------------------------------------------------- Mistral 422 / 400


def test_mistral_unknown_field_is_extra_forbidden(client: httpx.Client, mistral: SimServer) -> None:
    assert mistral_422(client, mistral, seed=1014) == [
        {
            "type": "extra_forbidden",
            "loc": ["body", "seed"],
            "msg": "Extra inputs are not permitted",
            "input": 1014,
        }
    ]
    detail = mistral_422(client, mistral, max_completion_tokens=32000, store=False)
    assert [d["loc"] for d in detail] == [["body", "max_completion_tokens"], ["body", "store"]]


@pytest.mark.parametrize(
    ("field", "value", "type_", "msg"),
    [
        ("temperature", 2.0, "less_than_equal", "Input should be less than or equal to 1.5"),
        ("temperature", -0.5, "greater_than_equal", "Input should be greater than or equal to 0"),
        ("top_p", 1.5, "less_than_equal", "Input should be less than or equal to 1"),
        ("presence_penalty", 3, "less_than_equal", "Input should be less than or equal to 2"),
        (
            "frequency_penalty",
            -3,
            "greater_than_equal",
            "Input should be greater than or equal to -2",
        ),
        (
            "temperature",
            "hot",
            "float_parsing",
            "Input should be a valid number, unable to parse string as a number",
        ),
        (
            "max_tokens",
            "many",
            "int_parsing",
            "Input should be a valid integer, unable to parse string as an integer",
        ),
        (
            "max_tokens",
            10.5,
            "int_from_float",
            "Input should be a valid integer, got a number with a fractional part",
        ),
        ("random_seed", -1, "greater_than_equal", "Input should be greater than or equal to 0"),
        (
            "tool_choice",
            "requiredx",
            "literal_error",
            "Input should be 'auto', 'none', 'any' or 'required'",
        ),
        (
            "stream",
            "maybe",
            "bool_parsing",
            "Input should be a valid boolean, unable to interpret input",
        ),
    ],
)
def test_mistral_bad_values(
    client: httpx.Client, mistral: SimServer, field: str, value: Any, type_: str, msg: str
) -> None:
    (detail,) = mistral_422(client, mistral, **{field: value})
    assert detail["type"] == type_
    assert detail["loc"] == ["body", field]
    assert detail["msg"] == msg
    assert detail["input"] == value


def test_mistral_missing_fields_and_many_errors(client: httpx.Client, mistral: SimServer) -> None:
    resp = post(client, mistral, {"temperature": 9, "seed": 1})
    assert resp.status_code == 422
    detail = resp.json()["message"]["detail"]
    assert [(d["type"], d["loc"]) for d in detail] == [
        ("missing", ["body", "model"]),
        ("less_than_equal", ["body", "temperature"]),
        ("missing", ["body", "messages"]),
        ("extra_forbidden", ["body", "seed"]),
    ]
    assert detail[0]["msg"] == "Field required"
    assert detail[1]["ctx"] == {"le": 1.5}


def test_mistral_bad_messages(client: httpx.Client, mistral: SimServer) -> None:
    detail = mistral_422(
        client,
        mistral,
        messages=[
            {"role": "robot", "content": "x"},
            {"role": "user", "content": "x", "name": "bob"},
        ],
    )
    assert [d["type"] for d in detail] == ["union_tag_invalid", "extra_forbidden"]
    assert detail[1]["loc"] == ["body", "messages", 1, "user", "name"]


def test_mistral_accepts_its_real_fields(client: httpx.Client, mistral: SimServer) -> None:
    body = {
        "model": MISTRAL_MODEL,
        "messages": user("hi"),
        "n": 1,
        "top_p": 1.0,
        "random_seed": 7,
        "presence_penalty": None,
        "frequency_penalty": 0.25,
        "stop": None,
        "safe_prompt": False,
        "prompt_cache_key": "k",
        "parallel_tool_calls": True,
        "tools": [WEATHER_TOOL],
        "tool_choice": "required",
        "temperature": "0.5",
        "max_tokens": 50.0,
        "response_format": {"type": "text"},
        "metadata": {"a": 1},
    }
    assert post(client, mistral, body).status_code == 200
    for choice in (
        "any",
        "auto",
        "none",
        {"type": "function", "function": {"name": "get_weather"}},
    ):
        assert post(client, mistral, {**body, "tool_choice": choice}).status_code == 200


def test_mistral_unknown_model(client: httpx.Client, mistral: SimServer) -> None:
    resp = post(client, mistral, {"model": "mistral-nope", "messages": user("hi")})
    assert resp.status_code == 400
    assert resp.json() == {
        "object": "error",
        "message": "Invalid model: mistral-nope",
        "type": "invalid_model",
        "param": None,
        "code": "1500",
    }


@uses_realworld
def test_mistral_context_window_exceeded(client: httpx.Client) -> None:
    real = interaction(
        "pydantic-ai/test_context_window_exceeded/test_context_window_exceeded[mistral].yaml"
    )
    with SimServer(SimConfig(context_window=131072)) as srv:
        resp = post(client, srv, {"model": MISTRAL_MODEL, "messages": user("word " * 120_000)})
    assert resp.status_code == real.status == 400
    got = resp.json()
    assert set(got) == set(real.response)
    assert {k: got[k] for k in ("code", "object", "param", "type")} == {
        k: real.response[k] for k in ("code", "object", "param", "type")
    }
    pattern = (
        r"Prompt contains (\d+) tokens and 0 draft tokens, too large for model with 131072"
        r" maximum context length"
    )
    assert re.fullmatch(pattern, real.response["message"])
    assert int(re.fullmatch(pattern, got["message"]).group(1)) == 150_004


def test_mistral_invalid_json_and_unknown_path(client: httpx.Client, mistral: SimServer) -> None:
    resp = post(client, mistral, b'{"model": ')
    assert resp.status_code == 400
    body = resp.json()
    assert body["object"] == "error" and body["message"]["detail"][0]["type"] == "json_invalid"
    resp = client.post(f"{mistral.url}/chat/complete", json={}, headers=AUTH)
    assert resp.status_code == 404 and resp.json() == {"detail": "Not Found"}


def test_mistral_unknown_named_tool(client: httpx.Client, mistral: SimServer) -> None:
    resp = post(
        client,
        mistral,
        {
            "model": MISTRAL_MODEL,
            "messages": user("hi"),
            "tools": [WEATHER_TOOL],
            "tool_choice": {"type": "function", "function": {"name": "nope"}},
        },
    )
    assert resp.status_code == 400
    assert resp.json()["object"] == "error"


# ---------------------------------------------------------------- gateway 400 / 404


def test_gateway_unknown_parameter(client: httpx.Client, gateway: SimServer) -> None:
    assert gateway_400(client, gateway, random_seed=1) == {
        "message": "Unknown parameter: 'random_seed'.",
        "type": "invalid_request_error",
        "param": "random_seed",
        "code": "unknown_parameter",
    }


@pytest.mark.parametrize(
    ("field", "value", "code", "message"),
    [
        (
            "temperature",
            2.5,
            "decimal_above_max_value",
            (
                "Invalid 'temperature': decimal above maximum value."
                " Expected a value <= 2, but got 2.5 instead."
            ),
        ),
        (
            "temperature",
            -1,
            "decimal_below_min_value",
            (
                "Invalid 'temperature': decimal below minimum value."
                " Expected a value >= 0, but got -1 instead."
            ),
        ),
        (
            "top_p",
            1.1,
            "decimal_above_max_value",
            (
                "Invalid 'top_p': decimal above maximum value."
                " Expected a value <= 1, but got 1.1 instead."
            ),
        ),
        (
            "presence_penalty",
            -2.5,
            "decimal_below_min_value",
            (
                "Invalid 'presence_penalty': decimal below minimum value."
                " Expected a value >= -2, but got -2.5 instead."
            ),
        ),
        (
            "max_tokens",
            0,
            "integer_below_min_value",
            (
                "Invalid 'max_tokens': integer below minimum value."
                " Expected a value >= 1, but got 0 instead."
            ),
        ),
        (
            "max_tokens",
            70000,
            "integer_above_max_value",
            (
                "Invalid 'max_tokens': integer above maximum value."
                " Expected a value <= 65536, but got 70000 instead."
            ),
        ),
        (
            "temperature",
            "hot",
            "invalid_type",
            "Invalid type for 'temperature': expected a decimal, but got a string instead.",
        ),
        (
            "max_tokens",
            1.5,
            "invalid_type",
            "Invalid type for 'max_tokens': expected an integer, but got a decimal instead.",
        ),
    ],
)
def test_gateway_bad_values(
    client: httpx.Client, gateway: SimServer, field: str, value: Any, code: str, message: str
) -> None:
    err = gateway_400(client, gateway, **{field: value})
    assert err == {
        "message": message,
        "type": "invalid_request_error",
        "param": field,
        "code": code,
    }


def test_gateway_tool_choice_any_is_invalid(client: httpx.Client, gateway: SimServer) -> None:
    err = gateway_400(client, gateway, tools=[WEATHER_TOOL], tool_choice="any")
    assert err == {
        "message": "Invalid value: 'any'. Supported values are: 'none', 'auto', and 'required'.",
        "type": "invalid_request_error",
        "param": "tool_choice",
        "code": "invalid_value",
    }


def test_gateway_unknown_model_is_404(client: httpx.Client, gateway: SimServer) -> None:
    err = gateway_400(client, gateway, 404, model="gpt-nope")
    assert err == {
        "message": "The model `gpt-nope` does not exist or you do not have access to it.",
        "type": "invalid_request_error",
        "param": None,
        "code": "model_not_found",
    }


@uses_realworld
def test_gateway_context_length_exceeded(client: httpx.Client, gateway: SimServer) -> None:
    real = interaction(
        "pydantic-ai/test_context_window_exceeded/test_context_window_exceeded[openai_chat].yaml"
    )
    err = gateway_400(client, gateway, messages=user("word " * 120_000))
    assert {k: err[k] for k in ("code", "param", "type")} == {
        k: real.response["error"][k] for k in ("code", "param", "type")
    }
    pattern = (
        r"This model's maximum context length is (\d+) tokens. However, your messages resulted "
        r"in (\d+) tokens. Please reduce the length of the messages."
    )
    assert re.fullmatch(pattern, real.response["error"]["message"])
    assert re.fullmatch(pattern, err["message"]).group(1) == "131072"


def test_gateway_prompt_plus_max_tokens_over_context(
    client: httpx.Client, gateway: SimServer
) -> None:
    err = gateway_400(client, gateway, messages=user("word " * 80_000), max_tokens=65536)
    assert err["code"] == "context_length_exceeded" and "in the completion" in err["message"]


def test_gateway_other_errors(client: httpx.Client, gateway: SimServer) -> None:
    assert gateway_400(client, gateway, messages=[])["code"] == "empty_array"
    err = gateway_400(client, gateway, messages=[{"role": "robot", "content": "x"}])
    assert (err["param"], err["code"]) == ("messages[0].role", "invalid_value")
    resp = post(client, gateway, {"messages": user("hi")})
    assert resp.json()["error"]["code"] == "missing_required_parameter"
    assert (
        gateway_400(client, gateway, tools=[{"function": {"name": "x"}}])["param"]
        == "tools[0].type"
    )
    assert gateway_400(client, gateway, tool_choice="auto")["param"] == "tool_choice"
    err = gateway_400(
        client,
        gateway,
        tools=[WEATHER_TOOL],
        tool_choice={"type": "function", "function": {"name": "nope"}},
    )
    assert err["code"] == "invalid_value"
    err = gateway_400(client, gateway, response_format={"type": "xml"})
    assert err["param"] == "response_format.type"


def test_gateway_accepts_its_documented_fields(client: httpx.Client, gateway: SimServer) -> None:
    body = {
        "model": GATEWAY_MODEL,
        "messages": user("hi"),
        "temperature": 2,
        "top_p": 0,
        "max_tokens": 65536 - 200,
        "presence_penalty": -2,
        "frequency_penalty": 2,
        "stop": "a,b",
        "web_search_linkup": False,
        "disable_formatting": True,
        "seed": 3,
        "n": 1,
        "user": "u",
        "stream": False,
        "tools": [WEATHER_TOOL],
        "tool_choice": "required",
        "store": False,
        "metadata": {"a": "b"},
        "max_completion_tokens": None,
        "logprobs": False,
    }
    resp = post(client, gateway, body)
    assert resp.status_code == 200, resp.text


def test_gateway_invalid_json_and_unknown_path(client: httpx.Client, gateway: SimServer) -> None:
    resp = post(client, gateway, b"not json")
    assert resp.status_code == 400
    err = resp.json()["error"]
    assert err["message"].startswith("We could not parse the JSON body of your request.")
    resp = client.post(f"{gateway.url}/nope", json={}, headers=AUTH)
    assert resp.status_code == 404
    assert resp.json()["error"]["message"] == "Invalid URL (POST /v1/nope)"


def test_stream_request_errors_are_plain_json(
    client: httpx.Client, mistral: SimServer, gateway: SimServer
) -> None:
    for srv, model in ((mistral, MISTRAL_MODEL), (gateway, GATEWAY_MODEL)):
        resp = post(
            client, srv, {"model": model, "messages": user("hi"), "stream": True, "temperature": 99}
        )
        assert resp.status_code in (400, 422)
        assert resp.headers["content-type"].startswith("application/json")
        json.loads(resp.text)
