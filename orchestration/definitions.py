"""The Dagster code location: every domain module under ``defs/`` is loaded automatically.

Add a folder ``defs/<domain>/`` (or a module) exposing ``defs = dg.Definitions(...)`` or bare
definitions; nothing here changes.
"""

from pathlib import Path

import dagster as dg

defs = dg.load_from_defs_folder(path_within_project=Path(__file__).parent)
