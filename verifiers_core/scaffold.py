"""``new-plugin``: write a reward plugin distribution that installs and passes its own tests."""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path
from string import Template

from .errors import VerifiersCoreError

_NAME_RE = re.compile(r"^[a-z][a-z0-9_-]*$")


def plugin_names(name: str) -> dict[str, str]:
    """Derive the distribution, package, plugin and example reward names from a plugin name.

    >>> plugin_names("my-rewards")["package"], plugin_names("my-rewards")["reward"]
    ('verifiers_core_my_rewards', 'my_rewards_exact')
    """
    name = name.strip().lower()
    if not _NAME_RE.match(name):
        raise VerifiersCoreError(
            f"plugin name {name!r} is invalid: use lower-case letters, digits, '-' and '_', starting with a letter"
        )
    slug = name.replace("-", "_")
    return {
        "plugin": name,
        "dist": f"verifiers-core-{name.replace('_', '-')}",
        "package": f"verifiers_core_{slug}",
        "reward": f"{slug}_exact",
    }


def write_plugin(name: str, output_dir: Path) -> Path:
    """Write the plugin distribution under ``output_dir``; returns its folder.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     sorted(p.name for p in write_plugin("demo", Path(d)).rglob("*") if p.is_file())
    ['README.md', '__init__.py', 'config.py', 'plugin.py', 'pyproject.toml', 'rewards.py', 'test_plugin.py']
    """
    from . import __version__

    names = plugin_names(name)
    values = {**names, "core_version": __version__}
    target = Path(output_dir) / names["dist"]
    if target.exists():
        raise VerifiersCoreError(f"{target} already exists; choose another name or --output-dir")
    templates = resources.files("verifiers_core") / "scaffold_templates"
    layout = {
        "pyproject.toml": "pyproject.toml.tmpl",
        "README.md": "README.md.tmpl",
        f"{names['package']}/config.py": "config.py.tmpl",
        f"{names['package']}/plugin.py": "plugin.py.tmpl",
        f"{names['package']}/rewards.py": "rewards.py.tmpl",
        "tests/test_plugin.py": "test_plugin.py.tmpl",
    }
    for relative, template in layout.items():
        path = target / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        text = Template((templates / template).read_text(encoding="utf-8")).substitute(values)
        path.write_text(text, encoding="utf-8")
    (target / names["package"] / "__init__.py").write_text(
        f'"""{names["dist"]}: rewards for GRPO training."""\n', encoding="utf-8"
    )
    return target
