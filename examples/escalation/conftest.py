"""The example is a script beside its tests, not a package: make it importable to them."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
