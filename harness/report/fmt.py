"""Number and text formatting shared by the text, Markdown, HTML and JUnit outputs."""

from __future__ import annotations

import html
import json
import re
from typing import Any

DASH = "-"
# XML 1.0 forbids most control characters; response bodies may contain them.
_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def ms(v: float | None) -> str:
    return DASH if v is None else f"{v:.0f}"


def pct(v: float | None) -> str:
    return DASH if v is None else f"{100 * v:.1f}%"


def rate_ci(rate: float | None, low: float | None, high: float | None) -> str:
    if rate is None:
        return DASH
    if low is None or high is None:
        return pct(rate)
    return f"{100 * rate:.1f}% [{100 * low:.1f}, {100 * high:.1f}]"


def diff_ci(d: float | None, low: float | None, high: float | None) -> str:
    """A difference of proportions in percentage points."""
    if d is None:
        return DASH
    s = f"{100 * d:+.1f} pp"
    if low is not None and high is not None:
        s += f" [{100 * low:+.1f}, {100 * high:+.1f}]"
    return s


def ratio_ci(r: float | None, low: float | None, high: float | None) -> str:
    if r is None:
        return DASH
    s = f"{r:.2f}x"
    if low is not None and high is not None:
        s += f" [{low:.2f}, {high:.2f}]"
    return s


def ratio(r: float | None) -> str:
    return DASH if r is None else f"{r:.2f}x"


def pvalue(p: float | None) -> str:
    if p is None:
        return DASH
    if p < 0.0001:
        return "<0.0001"
    return f"{p:.4f}" if p < 0.01 else f"{p:.3f}"


def usd(v: float | None) -> str:
    if v is None:
        return DASH
    if v == 0:
        return "0"
    if abs(v) >= 100:
        return f"{v:.2f}"
    if abs(v) >= 1:
        return f"{v:.4f}"
    return f"{v:.6f}"


def usd_unknown(v: float | None, unknown: int) -> str:
    s = usd(v)
    return f"{s} (+{unknown} unknown)" if unknown else s


def num(v: float | None, digits: int = 1) -> str:
    return DASH if v is None else f"{v:.{digits}f}"


def compact(value: Any, limit: int = 200) -> str:
    """A value as short text: strings as they are, anything else as compact JSON."""
    if isinstance(value, str):
        text = value
    else:
        try:
            text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
        except (TypeError, ValueError):
            text = repr(value)
    text = " ".join(text.split()) if limit else text
    if limit and len(text) > limit:
        text = text[: limit - 1] + "…"
    return text


def pretty(value: Any) -> str:
    """A value as readable text: strings as they are, anything else as indented JSON."""
    if isinstance(value, str):
        return value
    try:
        return json.dumps(value, ensure_ascii=False, indent=2, default=str)
    except (TypeError, ValueError):
        return repr(value)


def xml_safe(text: str) -> str:
    return _XML_BAD.sub("\N{REPLACEMENT CHARACTER}", text)


def md_cell(text: str) -> str:
    """Text safe inside a Markdown table cell (no pipe, no newline, no HTML)."""
    text = _CONTROL.sub("\N{REPLACEMENT CHARACTER}", " ".join(str(text).split()))
    return (text.replace("\\", "\\\\").replace("|", "\\|").replace("<", "&lt;")
            .replace(">", "&gt;"))


def md_code(text: str) -> str:
    """Inline code whose fence is longer than any backtick run inside. Text with `<` or `>`
    (an answer's HTML, a `<script>`) becomes an HTML <code> element with the text escaped, so
    summary.md never carries raw markup, whatever renders it (it shows the same)."""
    text = _CONTROL.sub("\N{REPLACEMENT CHARACTER}", " ".join(str(text).split())) or " "
    if "<" in text or ">" in text:
        escaped = html.escape(text, quote=False).replace("|", "&#124;").replace("`", "&#96;")
        return f"<code>{escaped.replace(chr(92), '&#92;')}</code>"
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or longest else ""
    return f"{fence}{pad}{text}{pad}{fence}"
