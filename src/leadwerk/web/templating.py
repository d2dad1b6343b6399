"""Jinja2 environments, one per UI language, and the static files the pages link to.

One environment per language (with its gettext catalog installed) keeps rendering thread-safe
without swapping translations per request. Autoescaping is on for every template, so nothing a
user or visitor typed can turn into markup; templates never use `|safe` on data.
"""

from __future__ import annotations

import gettext
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2

from leadwerk.web import i18n

TEMPLATE_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"
# npm package → (folder inside it that is served, files the pages load from it)
VENDOR_PACKAGES: dict[str, tuple[str, tuple[str, ...]]] = {
    "htmx.org": ("dist", ("htmx.min.js",)),
}


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def find_node_modules(configured: Path | None) -> Path | None:
    """`Settings.static_vendor_dir`, else a `node_modules` next to the project or the cwd."""
    if configured is not None:
        return configured if configured.is_dir() else None
    candidates = [parent / "node_modules" for parent in Path(__file__).resolve().parents]
    candidates.append(Path.cwd() / "node_modules")
    return next((c for c in candidates if c.is_dir()), None)


@dataclass
class StaticAssets:
    """Where static files live and their URLs, each with a content hash for cache busting."""

    own_dir: Path = STATIC_DIR
    vendor_dirs: dict[str, Path] = field(default_factory=dict)  # package → served folder
    scripts: list[str] = field(default_factory=list)  # vendor script URLs, in load order
    _versions: dict[str, str] = field(default_factory=dict)

    @classmethod
    def discover(cls, node_modules: Path | None) -> StaticAssets:
        assets = cls()
        for package, (folder, files) in VENDOR_PACKAGES.items():
            if node_modules is None:
                break
            served = node_modules / package / folder
            present = [name for name in files if (served / name).is_file()]
            if not present:
                continue
            assets.vendor_dirs[package] = served
            for name in present:
                url = f"/static/vendor/{package}/{name}"
                assets.scripts.append(f"{url}?v={_digest(served / name)}")
        return assets

    def url(self, path: str) -> str:
        """URL of one of our own static files, e.g. `css/app.css`."""
        version = self._versions.get(path)
        if version is None:
            version = _digest(self.own_dir / path)
            self._versions[path] = version
        return f"/static/{path}?v={version}"


def _pretty_json(value: Any) -> str:
    """Indented JSON as plain text (escaped like any other text when shown)."""
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True, default=str)


def _label_filter(translations: gettext.NullTranslations) -> Any:
    def label(value: Any) -> str:
        if value is None:
            return ""
        text = getattr(value, "label", None)
        return translations.gettext(text) if isinstance(text, str) else str(value)

    return label


class Templates:
    def __init__(
        self,
        catalogs: Mapping[str, gettext.NullTranslations],
        assets: StaticAssets,
        *,
        directory: Path = TEMPLATE_DIR,
        auto_reload: bool = False,
    ) -> None:
        loader = jinja2.FileSystemLoader(directory)
        self._envs: dict[str, jinja2.Environment] = {}
        for language, translations in catalogs.items():
            env = jinja2.Environment(
                loader=loader,
                autoescape=True,
                undefined=jinja2.StrictUndefined,
                extensions=["jinja2.ext.i18n"],
                trim_blocks=True,
                lstrip_blocks=True,
                auto_reload=auto_reload,  # dev mode picks up edited templates
            )
            env.install_gettext_translations(translations, newstyle=True)  # type: ignore[attr-defined]
            env.filters["datetime"] = i18n.datetime_formatter(language)
            # Plain gettext, for msgids held in variables and enum labels: unlike `_()` in a
            # template it neither marks the result safe nor %-formats it.
            env.filters["t"] = translations.gettext
            env.filters["label"] = _label_filter(translations)
            env.filters["pretty_json"] = _pretty_json
            env.globals.update(
                language=language,
                static_url=assets.url,
                vendor_scripts=assets.scripts,
                native_names=i18n.NATIVE_NAMES,
            )
            self._envs[language] = env
        self.translations = dict(catalogs)

    def render(self, language: str, name: str, context: Mapping[str, Any]) -> str:
        return self._envs[language].get_template(name).render(context)

    def gettext(self, language: str, message: str) -> str:
        return self.translations[language].gettext(message)
