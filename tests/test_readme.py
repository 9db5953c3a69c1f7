"""The README is a newcomer's map: it names every module of the package."""
from __future__ import annotations

from tests.conftest import ROOT


def test_the_readme_map_names_every_module_of_the_package():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    map_of_the_code = readme.split("## Map of the code", 1)[1].split("\n## ", 1)[0]
    modules = [path for path in sorted((ROOT / "kb").rglob("*.py")) if path.name != "__init__.py"]
    assert len(modules) > 60
    missing = [str(path.relative_to(ROOT)) for path in modules if path.stem not in map_of_the_code]
    assert missing == [], f"add these to the README's map of the code: {missing}"
