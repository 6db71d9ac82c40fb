#!/usr/bin/env python3
"""Entry point: `python build.py --help`. The code lives in the featuresite package."""
import sys

if __name__ == "__main__":
    try:
        from featuresite.cli import run
    except KeyboardInterrupt:  # Ctrl-C while Python is still importing: no traceback
        sys.exit(130)
    run()
