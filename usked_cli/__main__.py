"""`python -m usked_cli` runs the same console script as `usked`."""

from usked_cli.entry import main

main()
