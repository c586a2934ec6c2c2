"""``python -m benchgate``: the same as the ``benchgate`` command."""

from ._cli import main

main()
