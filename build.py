#!/usr/bin/env python3
"""Entry point: `python build.py --help`. The code lives in the featuresite package."""
import sys

from featuresite.cli import main

if __name__ == "__main__":
    sys.exit(main())
