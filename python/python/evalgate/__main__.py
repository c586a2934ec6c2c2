"""``python -m evalgate``: the same as the ``evalgate`` command."""

from ._cli import main

main()
