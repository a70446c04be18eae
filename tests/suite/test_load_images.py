from __future__ import annotations

from pathlib import Path

import pytest

from harness.core.errors import SuiteError
from harness.suite import load_suite

SUITE = """cases:
  - id: img
    request:
      images: [{ref}]
      messages: [{{role: user, content: hi}}]
"""


def test_a_missing_image_file_is_a_load_error_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(SUITE.format(ref="charts/nope.png"), encoding="utf-8")
    with pytest.raises(SuiteError) as err:
        load_suite(path, validate_checks=False)
    assert str(err.value).startswith(
        f"{path}: line 4: case 'img' request.images[0]: image file 'charts/nope.png' not found")


def test_images_beside_the_suite_and_urls_load(tmp_path: Path) -> None:
    (tmp_path / "charts").mkdir()
    (tmp_path / "charts" / "a.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    path = tmp_path / "s.yaml"
    path.write_text(SUITE.format(ref="[charts/a.png, 'https://example.com/x.png']")
                    .replace("[[", "[").replace("]]", "]"), encoding="utf-8")
    suite = load_suite(path, validate_checks=False)
    assert suite.cases[0].request["images"] == ["charts/a.png", "https://example.com/x.png"]
