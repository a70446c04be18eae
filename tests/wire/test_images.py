"""Images: files -> data URIs, the bundled images, and each endpoint's / dialect's image part."""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path

import pytest

from bench.make_images import bar_chart_pixels, images, png_pixels
from harness.core.errors import UsageError
from harness.core.models import Case, Job, ModelInfo, Provider, SourceLoc, Target
from harness.wire.dialects import prepare, translate_request
from harness.wire.images import (
    attach_images,
    parse_data_uri,
    resolve_images,
    sniff_media_type,
)
from tests.realworld import CASSETTES, interaction, requires_realworld

REPO = Path(__file__).resolve().parents[2]
BUNDLED = REPO / "suites" / "images"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16
URL = "https://example.com/chart.png"


def _case(suite_path: Path | None = None, **kw: object) -> Case:
    loc = SourceLoc(str(suite_path), 3) if suite_path else None
    return Case(suite="s", id="vision", request={}, loc=loc, **kw)  # type: ignore[arg-type]


def _job(request: dict, endpoint: str, dialect: str, suite_path: Path | None = None) -> Job:
    provider = Provider(
        name="p",
        base_url="http://127.0.0.1:1/v1",
        dialect=dialect,
        endpoints={"chat": "/chat/completions", "responses": "/responses", "messages": "/messages"},
        models={"m1": ModelInfo(id="m1")},
    )
    request = {"endpoint": endpoint, **request}
    case = _case(suite_path)
    case.request = request
    return Job(case=case, target=Target(provider, provider.models["m1"]), request=request)


def _parts(body: dict, endpoint: str) -> list:
    if endpoint == "responses":
        return body["input"][-1]["content"]  # type: ignore[no-any-return]
    return body["messages"][-1]["content"]  # type: ignore[no-any-return]


# -- the bundled images --------------------------------------------------------------------------


def test_bundled_images_are_the_ones_the_script_draws() -> None:
    made = images()
    assert sorted(p.name for p in BUNDLED.iterdir()) == sorted(made)
    png = (BUNDLED / "bar_chart.png").read_bytes()
    assert png_pixels(png) == bar_chart_pixels()  # zlib output may differ; the pixels may not
    assert (BUNDLED / "quadrants.jpg").read_bytes() == made["quadrants.jpg"]
    assert sniff_media_type(png) == "image/png"
    assert sniff_media_type(made["quadrants.jpg"]) == "image/jpeg"
    assert len(png) < 1024 and len(made["quadrants.jpg"]) < 1024


# -- media types and data URIs -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "name", "media"),
    [
        (PNG, "x.bin", "image/png"),
        (b"\xff\xd8\xff\xe0rest", "x.png", "image/jpeg"),  # the bytes win over the name
        (b"GIF89a....", "x", "image/gif"),
        (b"GIF87a....", "x", "image/gif"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "x", "image/webp"),
        (b"????", "photo.JPEG", "image/jpeg"),
        (b"????", "a.webp", "image/webp"),
        (b"????", "notes.txt", None),
    ],
)
def test_sniff_media_type(data: bytes, name: str, media: str | None) -> None:
    assert sniff_media_type(data, name) == media


def test_parse_data_uri() -> None:
    assert parse_data_uri("data:image/png;base64,AAAA") == ("image/png", "AAAA")
    assert parse_data_uri("data:text/plain,hello") is None
    assert parse_data_uri(URL) is None


# -- resolving files -----------------------------------------------------------------------------


def test_paths_are_relative_to_the_suite_folder_then_the_cwd(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    suites = tmp_path / "suites"
    (suites / "img").mkdir(parents=True)
    (suites / "img" / "a.png").write_bytes(PNG)
    other = tmp_path / "elsewhere"
    other.mkdir()
    (other / "b.gif").write_bytes(b"GIF89a\x01\x00")
    monkeypatch.chdir(other)
    case = _case(suites / "vision.yaml")
    out = resolve_images({"images": ["img/a.png", "b.gif", URL]}, case)
    a, b, url = out["images"]
    assert a == "data:image/png;base64," + base64.b64encode(PNG).decode()
    assert b.startswith("data:image/gif;base64,")
    assert url == URL


def test_a_request_without_local_images_is_returned_as_is() -> None:
    request = {"images": [URL, "data:image/png;base64,AAAA"], "messages": []}
    assert resolve_images(request, _case()) is request


def test_a_local_path_inside_a_content_part_is_read_too(tmp_path: Path) -> None:
    (tmp_path / "a.png").write_bytes(PNG)
    request = {
        "messages": [
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "what?"},
                    {"type": "image_url", "image_url": {"url": "a.png", "detail": "low"}},
                    {"type": "image_url", "image_url": URL},
                ],
            }
        ]
    }
    out = resolve_images(request, _case(tmp_path / "s.yaml"))
    parts = out["messages"][0]["content"]
    assert parts[1]["image_url"]["url"].startswith("data:image/png;base64,")
    assert parts[1]["image_url"]["detail"] == "low"
    assert parts[2]["image_url"] == URL
    assert request["messages"][0]["content"][1]["image_url"]["url"] == "a.png"  # not mutated


def test_a_missing_image_is_a_usage_error_naming_case_and_path(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"case s::vision: image 'nope\.png' not found \(looked at"):
        resolve_images({"images": ["nope.png"]}, _case(tmp_path / "s.yaml"))


def test_a_file_that_is_not_an_image_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(UsageError, match=r"case s::vision: image 'notes\.txt' .* not a PNG, JPEG"):
        resolve_images({"images": ["notes.txt"]}, _case(tmp_path / "s.yaml"))


def test_an_unreadable_image_is_a_usage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "secret.png").write_bytes(PNG)

    def refuse(self: Path) -> bytes:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "read_bytes", refuse)
    with pytest.raises(UsageError, match="secret.png.*cannot be read: Permission denied"):
        resolve_images({"images": ["secret.png"]}, _case(tmp_path / "s.yaml"))


def test_a_changed_file_is_read_again(tmp_path: Path) -> None:
    path = tmp_path / "a.png"
    path.write_bytes(PNG)
    case = _case(tmp_path / "s.yaml")
    first = resolve_images({"images": ["a.png"]}, case)["images"][0]
    path.write_bytes(PNG + b"\x01\x02")
    os.utime(path, ns=(1, 10**18))
    assert resolve_images({"images": ["a.png"]}, case)["images"][0] != first


def test_prepare_reports_a_missing_image_before_anything_is_sent(tmp_path: Path) -> None:
    job = _job({"messages": [{"role": "user", "content": "x"}], "images": ["gone.jpg"]}, "chat",
               "openai", tmp_path / "s.yaml")
    with pytest.raises(UsageError, match="gone.jpg"):
        prepare(job, None)


# -- attaching and translating -------------------------------------------------------------------


def test_images_attach_to_the_last_user_message_after_its_text() -> None:
    messages = [
        {"role": "user", "content": "first"},
        {"role": "assistant", "content": "ok"},
        {"role": "user", "content": "look"},
    ]
    attach_images(messages, [URL])
    assert messages[0]["content"] == "first"
    assert messages[2]["content"] == [
        {"type": "text", "text": "look"},
        {"type": "image_url", "image_url": {"url": URL}},
    ]
    lonely: list[dict] = [{"role": "system", "content": "s"}]
    attach_images(lonely, [URL])
    assert lonely[1] == {"role": "user", "content": [{"type": "image_url", "image_url": {"url": URL}}]}


DATA = "data:image/png;base64,iVBORw0KGgo="


@pytest.mark.parametrize(
    ("endpoint", "dialect", "ref", "part"),
    [
        ("chat", "openai", DATA, {"type": "image_url", "image_url": {"url": DATA}}),
        ("chat", "openai", URL, {"type": "image_url", "image_url": {"url": URL}}),
        ("chat", "mistral", DATA, {"type": "image_url", "image_url": DATA}),
        ("chat", "mistral", URL, {"type": "image_url", "image_url": URL}),
        ("responses", "openai", DATA, {"type": "input_image", "image_url": DATA}),
        ("responses", "mistral", URL, {"type": "input_image", "image_url": URL}),
        (
            "messages",
            "openai",
            DATA,
            {"type": "image", "source": {"type": "base64", "media_type": "image/png",
                                         "data": "iVBORw0KGgo="}},
        ),
        ("messages", "openai", URL, {"type": "image", "source": {"type": "url", "url": URL}}),
    ],
)
def test_image_part_per_endpoint_and_dialect(endpoint: str, dialect: str, ref: str, part: dict) -> None:
    request = {"messages": [{"role": "user", "content": "describe"}], "images": [ref]}
    body, _ = translate_request(request, endpoint, dialect, "m1")
    text, image = _parts(body, endpoint)
    assert image == part
    assert text["text"] == "describe"
    assert "images" not in body
    # the same image written as a canonical content part gives the same body
    parts = [{"type": "text", "text": "describe"}, {"type": "image_url", "image_url": {"url": ref}}]
    same, _ = translate_request(
        {"messages": [{"role": "user", "content": parts}]}, endpoint, dialect, "m1"
    )
    assert same == body


def test_detail_is_kept_where_the_format_has_it() -> None:
    part = {"type": "image_url", "image_url": {"url": URL, "detail": "high"}}
    request = {"messages": [{"role": "user", "content": [part]}]}
    chat, _ = translate_request(request, "chat", "openai", "m")
    assert chat["messages"][0]["content"][0]["image_url"] == {"url": URL, "detail": "high"}
    resp, _ = translate_request(request, "responses", "openai", "m")
    assert resp["input"][0]["content"][0] == {"type": "input_image", "image_url": URL,
                                              "detail": "high"}
    mistral, _ = translate_request(request, "chat", "mistral", "m")
    assert mistral["messages"][0]["content"][0] == {"type": "image_url", "image_url": URL}


@pytest.mark.parametrize("endpoint", ["chat", "responses", "messages"])
@pytest.mark.parametrize("dialect", ["openai", "mistral"])
def test_prepare_sends_the_bundled_chart_as_base64(endpoint: str, dialect: str) -> None:
    job = _job(
        {"messages": [{"role": "user", "content": "What does the chart show?"}],
         "images": ["images/bar_chart.png"]},
        endpoint,
        dialect,
        REPO / "suites" / "vision.yaml",
    )
    sent = json.loads(prepare(job, None).body)
    encoded = base64.b64encode((BUNDLED / "bar_chart.png").read_bytes()).decode()
    assert encoded in json.dumps(sent)
    assert "images/bar_chart.png" not in json.dumps(sent)


# -- compared with real recorded requests --------------------------------------------------------


def _real_part(file: str, index: int, kind: str) -> dict:
    if not (CASSETTES / file).exists():
        pytest.skip(f"recording absent: {file}")
    request = interaction(file, index).request
    for message in request["messages"]:
        for part in message["content"] if isinstance(message["content"], list) else []:
            if part.get("type") == kind:
                return part  # type: ignore[no-any-return]
    raise AssertionError(f"no {kind} part in {file}")


@requires_realworld
@pytest.mark.parametrize("index", [0, 1])
def test_anthropic_image_blocks_match_the_recorded_ones(index: int) -> None:
    real = _real_part("chatlas/test_provider_anthropic/test_anthropic_images.yaml", index, "image")
    source = real["source"]
    ref = (
        f"data:{source['media_type']};base64,{source['data']}"
        if source["type"] == "base64"
        else source["url"]
    )
    body, _ = translate_request(
        {"messages": [{"role": "user", "content": "x"}], "images": [ref]}, "messages", "openai", "m"
    )
    block = body["messages"][0]["content"][1]
    assert block == {k: v for k, v in real.items() if k != "cache_control"}


@requires_realworld
@pytest.mark.parametrize("index", [0, 1])
def test_openai_chat_image_parts_match_the_recorded_ones(index: int) -> None:
    real = _real_part("chatlas/test_provider_openai_completions/test_openai_images.yaml", index,
                      "image_url")
    canonical = {"messages": [{"role": "user", "content": [real]}]}
    body, _ = translate_request(canonical, "chat", "openai", "m")
    assert body["messages"][0]["content"] == [real]


@requires_realworld
def test_mistral_gets_the_string_form_the_spec_allows() -> None:
    # Recorded Mistral traffic uses the object form; the seed guide (and the spec) the string.
    real = _real_part("chatlas/test_provider_mistral/test_mistral_images.yaml", 0, "image_url")
    body, _ = translate_request(
        {"messages": [{"role": "user", "content": [real]}]}, "chat", "mistral", "m"
    )
    assert body["messages"][0]["content"] == [
        {"type": "image_url", "image_url": real["image_url"]["url"]}
    ]
