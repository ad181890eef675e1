"""Build hook: compile the message catalogs (.po) into the .mo files gettext reads, and
parse the shipped default settings once (data/defaults.json).

The .po files are the sources kept in git; every build (a wheel, an editable install)
compiles them with Babel, so that a plain `pip install .` speaks every language. The
default settings are read at every command: the build parses their TOML once into JSON,
which deskcli reads for as long as the TOML files are those it was made from.
"""

import sys
from pathlib import Path

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


class CatalogsHook(BuildHookInterface):
    PLUGIN_NAME = "custom"

    def initialize(self, version, build_data):
        if self.target_name != "wheel":
            return  # an sdist carries the .po sources; its wheel compiles them
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po

        package = Path(self.root) / "src" / "deskcli"
        for po in sorted((package / "locale").glob("*/LC_MESSAGES/*.po")):
            with po.open("rb") as handle:
                catalog = read_po(handle, locale=po.parts[-3])
            mo = po.with_suffix(".mo")
            with mo.open("wb") as handle:
                # Fuzzy translations are guesses: gettext shows the English instead.
                write_mo(handle, catalog, use_fuzzy=False)
            if version != "editable":
                # The .mo files are not in git (.gitignore), which builds leave out unless told.
                build_data["force_include"][str(mo)] = str(Path("deskcli") / mo.relative_to(package))
        self._parse_defaults()

    def _parse_defaults(self):
        sys.path.insert(0, str(Path(self.root) / "src"))
        try:
            from deskcli.core.app.settings import PARSED_DEFAULTS, parsed_defaults_text
        finally:
            sys.path.pop(0)
        data = Path(self.root) / "data"
        # Not in git (.gitignore); data/ goes into the wheel whole (pyproject's force-include).
        (data / PARSED_DEFAULTS).write_text(parsed_defaults_text(data), encoding="utf-8")
