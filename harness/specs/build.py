"""Regenerate the packaged spec copies (harness/specs/mistral.json, openai.json).

    python -m harness.specs.build --mistral ../shared/realworld/specs/platform-docs-public/openapi.yaml \
        --openai ../shared/realworld/specs/openai-openapi/openapi.yaml

Only the components the harness validates against are kept, closed over their $refs and
converted to JSON Schema (harness.specs.openapi: documentation keywords dropped), as compact
JSON with the licence, the copyright holder, the source repository, path and commit, and a
statement of the changes. The deviation patches are NOT baked in: the copies are the spec as
published (that is what `strict: true` validates against).

What may be shipped: Mistral's spec is Apache-2.0 (the licence text travels inside the copy),
OpenAI's is MIT (notice inside the copy). The Anthropic spec mirror has no licence and is never
packaged.
"""

from __future__ import annotations

import argparse
import json
from importlib import resources
from pathlib import Path
from typing import Any

from harness.specs.openapi import extract, read_document

COMPONENTS = {
    "mistral": (
        "ChatCompletionResponse",
        "CompletionChunk",
        "CompletionEvent",
        "ModelList",
        "HTTPValidationError",
    ),
    "openai": (
        "CreateChatCompletionResponse",
        "CreateChatCompletionStreamResponse",
        "Response",
        "ResponseStreamEvent",
        "ErrorResponse",
        "ListModelsResponse",
    ),
}

SOURCES: dict[str, dict[str, Any]] = {
    "mistral": {
        "repository": "mistralai/platform-docs-public",
        "path": "openapi.yaml",
        "commit": "222f4ba9114f84ce9f2d718b9a12fbac1e527f4b",
        "file_last_changed_in": "2f0dd463a706828e3af653bfe89c356ae8183605",
        "url": "https://github.com/mistralai/platform-docs-public/blob/"
        "222f4ba9114f84ce9f2d718b9a12fbac1e527f4b/openapi.yaml",
    },
    "openai": {
        "repository": "openai/openai-openapi",
        "path": "openapi.yaml",
        "commit": "f85dbe223d40e1a31cba812ab2d755c7e98a92a3",
        "url": "https://github.com/openai/openai-openapi/blob/"
        "f85dbe223d40e1a31cba812ab2d755c7e98a92a3/openapi.yaml",
    },
}

CHANGES = (
    "Modified by llm-contract-harness: only the listed components and the components they "
    "reference are kept; each was converted from OpenAPI to JSON Schema 2020-12 ($ref targets "
    "moved to $defs, `nullable: true` read as 'or null', documentation keywords such as "
    "description, title, examples, x-* extensions and discriminator removed). No validation "
    "keyword was changed."
)

MIT_TEXT = (
    "Permission is hereby granted, free of charge, to any person obtaining a copy of this "
    'software and associated documentation files (the "Software"), to deal in the Software '
    "without restriction, including without limitation the rights to use, copy, modify, "
    "merge, publish, distribute, sublicense, and/or sell copies of the Software, and to permit "
    "persons to whom the Software is furnished to do so, subject to the following conditions:"
    "\n\nThe above copyright notice and this permission notice shall be included in all copies "
    "or substantial portions of the Software.\n\n"
    'THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, '
    "INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR "
    "PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE "
    "FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR "
    "OTHERWISE, ARISING FROM, OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER "
    "DEALINGS IN THE SOFTWARE."
)


def licence(name: str, apache_text: str | None) -> dict[str, Any]:
    if name == "mistral":
        return {
            "spdx": "Apache-2.0",
            "copyright": "Mistral AI (mistralai/platform-docs-public)",
            "notice": "The Mistral AI API OpenAPI specification is licensed under the Apache "
            "License, Version 2.0 (https://www.apache.org/licenses/LICENSE-2.0). This file is "
            "a derivative work of it; " + CHANGES,
            "text": apache_text,
        }
    return {
        "spdx": "MIT",
        "copyright": "Copyright (c) OpenAI (openai/openai-openapi; the document's info.license "
        "is MIT)",
        "notice": CHANGES,
        "text": MIT_TEXT,
    }


def build(name: str, spec_path: Path, apache_text: str | None) -> dict[str, Any]:
    doc = read_document(spec_path)
    info = doc.get("info") or {}
    defs = extract(doc, COMPONENTS[name])
    return {
        "spec": name,
        "title": info.get("title"),
        "version": info.get("version"),
        "openapi": doc.get("openapi"),
        "source": SOURCES[name],
        "licence": licence(name, apache_text),
        "components": list(COMPONENTS[name]),
        "$defs": defs,
    }


def write(data: dict[str, Any], out: Path) -> None:
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=False)
    out.write_text(text + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mistral", type=Path, help="Mistral openapi.yaml")
    parser.add_argument("--openai", type=Path, help="OpenAI openapi.yaml")
    parser.add_argument("--apache-licence", type=Path, help="Apache-2.0 licence text file "
                        "(default: the text already in the packaged Mistral copy)")
    parser.add_argument("--out", type=Path, default=None, help="output folder "
                        "(default: the harness/specs package)")
    args = parser.parse_args(argv)
    out = args.out or Path(str(resources.files("harness.specs")))
    apache = args.apache_licence.read_text("utf-8") if args.apache_licence else None
    if apache is None and (out / "mistral.json").exists():
        apache = json.loads((out / "mistral.json").read_text("utf-8"))["licence"]["text"]
    for name in ("mistral", "openai"):
        path = getattr(args, name)
        if path is None:
            continue
        if name == "mistral" and not apache:
            parser.error("--apache-licence is needed the first time (the Apache-2.0 text)")
        write(build(name, path, apache), out / f"{name}.json")
        print(f"wrote {out / f'{name}.json'}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
