"""Images in a canonical request: files -> data URIs, and one image part per wire format.

A case names images two ways, both ending as canonical parts of the last user message:

    request.images: [charts/bar.png, https://example.com/x.jpg]     # harness option
    content: [{type: image_url, image_url: {url: charts/bar.png}}]  # OpenAI content part

`resolve_images` (the only function here doing I/O) turns every local path into a
`data:<media type>;base64,...` URI: relative paths are looked up beside the suite file first,
then in the current folder. http(s) and data URIs are kept as they are. An unreadable file is
a UsageError naming the case and the path.

Wire forms of one image (real traffic, ../shared/realworld MANIFEST "Images"):

    chat, openai     {"type": "image_url", "image_url": {"url": U, "detail"?: D}}
    chat, mistral    {"type": "image_url", "image_url": U}     (plain string: the seed guide)
    responses        {"type": "input_image", "image_url": U, "detail"?: D}
    messages         {"type": "image", "source": {"type": "base64", "media_type", "data"}}
                     {"type": "image", "source": {"type": "url", "url": U}}
"""

from __future__ import annotations

import base64
import copy
import os
from functools import lru_cache
from pathlib import Path
from typing import Any

from harness.core.errors import UsageError
from harness.core.models import Case

MEDIA_TYPES = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
}
MAX_IMAGE_BYTES = 20 * 1024 * 1024  # larger than any provider accepts: a mistake, not a test


def is_remote(ref: str) -> bool:
    """Whether an image reference is sent as it is (a URL or a data URI), not read from disk."""
    low = ref[:8].lower()
    return low.startswith(("http://", "https://", "data:"))


def sniff_media_type(data: bytes, name: str = "") -> str | None:
    """The image media type from the magic bytes, else from the file extension, else None."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return MEDIA_TYPES.get(Path(name).suffix.lower())


def data_uri(data: bytes, media_type: str) -> str:
    return f"data:{media_type};base64,{base64.b64encode(data).decode('ascii')}"


def parse_data_uri(uri: str) -> tuple[str, str] | None:
    """(media type, base64 payload) of a base64 data URI, or None."""
    if uri[:5].lower() != "data:":
        return None
    head, sep, payload = uri[5:].partition(",")
    if not sep or not head.endswith(";base64"):
        return None
    return head[: -len(";base64")] or "application/octet-stream", payload


@lru_cache(maxsize=64)
def _encode_file(path: str, mtime_ns: int, size: int) -> str:
    data = Path(path).read_bytes()
    media = sniff_media_type(data, path)
    if media is None:
        raise ValueError("not a PNG, JPEG, GIF or WebP image (by its bytes or extension)")
    return data_uri(data, media)


def _candidates(ref: str, case: Case) -> list[Path]:
    path = Path(os.path.expanduser(ref))
    if path.is_absolute():
        return [path]
    found = []
    if case.loc is not None and case.loc.path and not case.loc.path.startswith("<"):
        found.append(Path(case.loc.path).parent / path)
    found.append(Path.cwd() / path)
    return found


def load_image(ref: str, case: Case) -> str:
    """A local image file as a data URI (cached by path, size and modification time)."""
    tried = _candidates(ref, case)
    for path in tried:
        try:
            st = path.stat()
        except OSError:
            continue
        if not path.is_file():
            continue
        where = f"case {case.suite}::{case.id}: image {ref!r} ({path})"
        if st.st_size > MAX_IMAGE_BYTES:
            raise UsageError(f"{where} is {st.st_size} bytes, above {MAX_IMAGE_BYTES}")
        try:
            return _encode_file(str(path.resolve()), st.st_mtime_ns, st.st_size)
        except OSError as exc:
            raise UsageError(f"{where} cannot be read: {exc.strerror or exc}") from None
        except ValueError as exc:
            raise UsageError(f"{where}: {exc}") from None
    looked = ", ".join(str(p) for p in tried)
    raise UsageError(
        f"case {case.suite}::{case.id}: image {ref!r} not found (looked at {looked}); paths are "
        "relative to the suite file's folder or the current folder"
    )


def _resolve(ref: Any, case: Case) -> Any:
    if isinstance(ref, str) and ref and not is_remote(ref):
        return load_image(ref, case)
    return ref


def resolve_images(request: dict[str, Any], case: Case) -> dict[str, Any]:
    """The request with local image paths replaced by data URIs (the same dict if none)."""
    images = request.get("images") or []
    needs = any(isinstance(i, str) and not is_remote(i) for i in images)
    for message in request.get("messages") or []:
        for part in _image_parts(message):
            if not is_remote(image_url_of(part) or "data:"):
                needs = True
    if not needs:
        return request
    out = dict(request)
    if images:
        out["images"] = [_resolve(i, case) for i in images]
    if request.get("messages"):
        out["messages"] = copy.deepcopy(request["messages"])
        for message in out["messages"]:
            for part in _image_parts(message):
                inner = part.get("image_url")
                if isinstance(inner, dict):
                    inner["url"] = _resolve(inner.get("url"), case)
                else:
                    part["image_url"] = _resolve(inner, case)
    return out


def _image_parts(message: Any) -> list[dict[str, Any]]:
    content = message.get("content") if isinstance(message, dict) else None
    if not isinstance(content, list):
        return []
    return [p for p in content if isinstance(p, dict) and p.get("type") == "image_url"]


def image_url_of(part: dict[str, Any]) -> str | None:
    """The URL of a canonical image part, whether `image_url` is an object or a string."""
    inner = part.get("image_url")
    if isinstance(inner, dict):
        url = inner.get("url")
        return url if isinstance(url, str) else None
    return inner if isinstance(inner, str) else None


def _detail_of(part: dict[str, Any]) -> Any:
    inner = part.get("image_url")
    if isinstance(inner, dict):
        return inner.get("detail")
    return part.get("detail")


def attach_images(messages: list[dict[str, Any]], images: list[Any]) -> list[dict[str, Any]]:
    """`messages` (already copied) with canonical image parts appended to the last user message.

    A string content becomes [{type: text, text}] first. No user message: a new one is added.
    """
    if not images:
        return messages
    parts = [{"type": "image_url", "image_url": {"url": ref}} for ref in images]
    for message in reversed(messages):
        if message.get("role") == "user":
            content = message.get("content")
            if isinstance(content, str):
                content = [{"type": "text", "text": content}] if content else []
            elif not isinstance(content, list):
                content = []
            message["content"] = [*content, *parts]
            return messages
    messages.append({"role": "user", "content": parts})
    return messages


# -- one canonical image part -> each wire form ------------------------------------------------


def openai_chat_image_part(part: dict[str, Any]) -> dict[str, Any]:
    """OpenAI chat completions: {"image_url": {"url", "detail"?}}."""
    inner: dict[str, Any] = {"url": image_url_of(part)}
    detail = _detail_of(part)
    if detail is not None:
        inner["detail"] = detail
    return {"type": "image_url", "image_url": inner}


def mistral_chat_image_part(part: dict[str, Any]) -> dict[str, Any]:
    """Mistral chat completions: the URL as a plain string (no detail)."""
    return {"type": "image_url", "image_url": image_url_of(part)}


def responses_image_part(part: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "input_image", "image_url": image_url_of(part)}
    detail = _detail_of(part)
    if detail is not None:
        out["detail"] = detail
    return out


def anthropic_image_part(part: dict[str, Any]) -> dict[str, Any]:
    url = image_url_of(part) or ""
    parsed = parse_data_uri(url)
    if parsed is not None:
        media, payload = parsed
        return {"type": "image", "source": {"type": "base64", "media_type": media, "data": payload}}
    return {"type": "image", "source": {"type": "url", "url": url}}
