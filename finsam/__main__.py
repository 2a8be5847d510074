"""python -m finsam: the command line (finsam.cli.main)."""
import sys

from finsam.cli.main import main

if __name__ == "__main__":
    sys.exit(main())
