"""Image input in each dialect's form: accepted, refused, counted deterministically, and seen."""

from __future__ import annotations

import struct
from typing import Any

import httpx
import pytest

from harness.sim import SimServer
from harness.sim.images import ImageError, inspect_base64, inspect_url, patch_tokens
from tests.realworld import interaction
from tests.sim.simtest_helpers import (
    ANTHROPIC,
    AUTH,
    GATEWAY_MODEL,
    MISTRAL_MODEL,
    b64,
    data_uri,
    png,
    post,
    uses_realworld,
)

PNG64 = png(64, 64)
URI64 = data_uri(PNG64)
NOT_AN_IMAGE = data_uri(b"hello, not an image")
SEEN = "I see 1 image (64x64 PNG)."


def mistral_parts(image: Any = None) -> list[dict[str, Any]]:
    parts = [{"type": "text", "text": "What is it?"}]
    return [{"role": "user", "content": parts + ([image] if image else [])}]


def chat_ok(client: httpx.Client, srv: SimServer, model: str, messages: Any) -> dict[str, Any]:
    resp = post(client, srv, {"model": model, "messages": messages, "temperature": 0})
    assert resp.status_code == 200, resp.text
    return resp.json()


# ---------------------------------------------------------------- the token rule


def test_token_rule_and_header_sniffing() -> None:
    assert patch_tokens(64, 64) == 16
    assert patch_tokens(60, 30) == 4 * 2
    assert patch_tokens(2048, 1024) == 64 * 32  # scaled to 1024x512 first
    assert patch_tokens(1, 1) == 1
    assert inspect_url(URI64).tokens == 16 and inspect_url(URI64).describe() == "64x64 PNG"
    assert inspect_url("https://example.com/cat.png").tokens == 256
    gif = b"GIF89a" + struct.pack("<HH", 30, 20) + b"\x00" * 8
    jpeg = (
        b"\xff\xd8\xff\xe0\x00\x10"
        + b"JFIF\x00"
        + b"\x00" * 9
        + b"\xff\xc0\x00\x11\x08"
        + struct.pack(">HH", 480, 640)
        + b"\x00" * 10
    )
    vp8x = b"RIFF\x00\x00\x00\x00WEBPVP8X\x0a\x00\x00\x00\x00\x00\x00\x00"
    webp = vp8x + (99).to_bytes(3, "little") + (49).to_bytes(3, "little")
    for raw, mime, desc in (
        (gif, "image/gif", "30x20 GIF"),
        (jpeg, "image/jpeg", "640x480 JPEG"),
        (webp, "image/webp", "100x50 WebP"),
    ):
        assert inspect_url(data_uri(raw, mime)).describe() == desc
        assert inspect_base64(b64(raw), mime).describe() == desc
    for bad, reason in (
        ("data:image/png;base64,@@@@", "base64"),
        (NOT_AN_IMAGE, "format"),
        ("data:image/png,rawtext", "base64"),
    ):
        with pytest.raises(ImageError) as caught:
            inspect_url(bad)
        assert caught.value.reason == reason
    with pytest.raises(ImageError, match="mismatch"):
        inspect_base64(b64(PNG64), "image/jpeg")
    with pytest.raises(ImageError, match="media_type"):
        inspect_base64(b64(PNG64), "image/bmp")


# ---------------------------------------------------------------- Mistral chat


def test_mistral_takes_both_forms_and_counts_them(client: httpx.Client, mistral: SimServer) -> None:
    plain = chat_ok(client, mistral, MISTRAL_MODEL, mistral_parts())
    forms = [
        {"type": "image_url", "image_url": URI64},
        {"type": "image_url", "image_url": {"url": URI64, "detail": "auto"}},
    ]
    tokens = set()
    for image in forms:
        body = chat_ok(client, mistral, MISTRAL_MODEL, mistral_parts(image))
        assert SEEN in body["choices"][0]["message"]["content"]
        tokens.add(body["usage"]["prompt_tokens"])
    (with_image,) = tokens  # both forms, same count: deterministic
    assert with_image - plain["usage"]["prompt_tokens"] == 16
    url = {"type": "image_url", "image_url": "https://example.com/chart.png"}
    body = chat_ok(client, mistral, MISTRAL_MODEL, mistral_parts(url))
    assert body["usage"]["prompt_tokens"] - plain["usage"]["prompt_tokens"] == 256
    assert "I see 1 image (URL image)." in body["choices"][0]["message"]["content"]


def test_mistral_refusals(client: httpx.Client, mistral: SimServer) -> None:
    image = {"type": "image_url", "image_url": URI64}
    for model in ("mistral-small", "mistral-medium-3"):  # text-only tiers (seed 004)
        resp = post(client, mistral, {"model": model, "messages": mistral_parts(image)})
        assert resp.status_code == 400
        assert resp.json()["message"] == f"Model {model} does not support image input"
    bad = {"type": "image_url", "image_url": NOT_AN_IMAGE}
    resp = post(client, mistral, {"model": MISTRAL_MODEL, "messages": mistral_parts(bad)})
    assert resp.status_code == 400 and resp.json()["object"] == "error"
    wrong = {"type": "image_url", "image_url": 42}
    resp = post(client, mistral, {"model": MISTRAL_MODEL, "messages": mistral_parts(wrong)})
    assert resp.status_code == 422
    assert resp.json()["message"]["detail"][0]["type"] == "model_type"


@uses_realworld
def test_recorded_mistral_image_request_is_accepted(
    client: httpx.Client, mistral: SimServer
) -> None:
    request = interaction("chatlas/test_provider_mistral/test_mistral_images.yaml").request
    resp = post(client, mistral, {**request, "stream": False})
    assert resp.status_code == 200, resp.text


# ---------------------------------------------------------------- OpenAI-compatible chat


def test_gateway_chat_takes_the_object_form_only(client: httpx.Client, gateway: SimServer) -> None:
    obj = {"type": "image_url", "image_url": {"url": URI64}}
    body = chat_ok(client, gateway, GATEWAY_MODEL, mistral_parts(obj))
    assert SEEN in body["choices"][0]["message"]["content"]
    resp = post(
        client,
        gateway,
        {
            "model": GATEWAY_MODEL,
            "messages": mistral_parts({"type": "image_url", "image_url": URI64}),
        },
    )
    err = resp.json()["error"]
    assert (resp.status_code, err["code"], err["param"]) == (
        400,
        "invalid_type",
        "messages[0].content[1].image_url",
    )
    assert err["message"] == (
        "Invalid type for 'messages[0].content[1].image_url': expected an object, but got a "
        "string instead."
    )
    bad = {"type": "image_url", "image_url": {"url": NOT_AN_IMAGE}}
    resp = post(client, gateway, {"model": GATEWAY_MODEL, "messages": mistral_parts(bad)})
    assert (resp.status_code, resp.json()["error"]["code"]) == (400, "invalid_image_format")
    odd = {"type": "picture", "url": URI64}
    resp = post(client, gateway, {"model": GATEWAY_MODEL, "messages": mistral_parts(odd)})
    assert resp.json()["error"]["param"] == "messages[0].content[1].type"


@uses_realworld
def test_recorded_openai_image_request_is_accepted(
    client: httpx.Client, gateway: SimServer
) -> None:
    request = interaction(
        "chatlas/test_provider_openai_completions/test_openai_images.yaml"
    ).request
    body = {k: v for k, v in request.items() if k not in ("stream", "stream_options")}
    resp = post(client, gateway, {**body, "model": GATEWAY_MODEL})
    assert resp.status_code == 200 and "I see 1 image (60x30 PNG)." in resp.text


# ---------------------------------------------------------------- Responses


def test_responses_input_image_is_a_string(client: httpx.Client, gateway: SimServer) -> None:
    def send(image_url: Any) -> httpx.Response:
        parts = [
            {"type": "input_text", "text": "What?"},
            {"type": "input_image", "image_url": image_url, "detail": "auto"},
        ]
        return client.post(
            f"{gateway.url}/responses",
            json={"model": GATEWAY_MODEL, "input": [{"role": "user", "content": parts}]},
            headers=AUTH,
        )

    first, again = send(URI64).json(), send(URI64).json()
    assert SEEN in first["output"][0]["content"][0]["text"]
    assert first["usage"]["input_tokens"] == again["usage"]["input_tokens"]
    err = send({"url": URI64}).json()["error"]
    assert (err["code"], err["param"]) == ("invalid_type", "input[0].content[1].image_url")
    assert send(NOT_AN_IMAGE).json()["error"]["code"] == "invalid_image_format"


# ---------------------------------------------------------------- Anthropic Messages


def anthropic(client: httpx.Client, srv: SimServer, source: dict[str, Any]) -> httpx.Response:
    content = [{"type": "text", "text": "What?"}, {"type": "image", "source": source}]
    return client.post(
        f"{srv.url}/messages",
        json={
            "model": GATEWAY_MODEL,
            "max_tokens": 300,
            "messages": [{"role": "user", "content": content}],
        },
        headers=ANTHROPIC,
    )


def test_anthropic_image_blocks(client: httpx.Client, gateway: SimServer) -> None:
    ok = anthropic(
        client, gateway, {"type": "base64", "media_type": "image/png", "data": b64(PNG64)}
    )
    assert ok.status_code == 200 and SEEN in ok.json()["content"][0]["text"]
    url = anthropic(client, gateway, {"type": "url", "url": "https://example.com/logo.png"}).json()
    assert url["usage"]["input_tokens"] - ok.json()["usage"]["input_tokens"] == 256 - 16
    loc = "messages.0.content.1.image.source.base64"
    cases = [
        (
            {"media_type": "image/bmp", "data": b64(PNG64)},
            (
                f"{loc}.media_type: Input should be 'image/jpeg', 'image/png', 'image/gif' or "
                "'image/webp'"
            ),
        ),
        ({"media_type": "image/png", "data": "!!not base64!!"}, f"{loc}: invalid base64 data"),
        (
            {"media_type": "image/jpeg", "data": b64(PNG64)},
            f"{loc}.data: Image does not match the provided media type image/jpeg",
        ),
    ]
    for source, message in cases:
        resp = anthropic(client, gateway, {"type": "base64", **source})
        assert resp.status_code == 400
        assert resp.json()["error"] == {"type": "invalid_request_error", "message": message}


@uses_realworld
def test_recorded_anthropic_image_requests_are_accepted(
    client: httpx.Client, gateway: SimServer
) -> None:
    for inter in (
        interaction("chatlas/test_provider_anthropic/test_anthropic_images.yaml", i) for i in (0, 1)
    ):
        body = {**inter.request, "model": GATEWAY_MODEL, "stream": False}
        resp = client.post(f"{gateway.url}/messages", json=body, headers=ANTHROPIC)
        assert resp.status_code == 200, resp.text
        assert "I see 1 image (" in resp.json()["content"][0]["text"]
