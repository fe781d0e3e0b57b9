"""`python -m matching allocate|suggest ...`: see matching.cli."""

from .cli import main

raise SystemExit(main())
