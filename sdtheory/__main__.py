"""``python -m sdtheory``: the command line (Ctrl-C during start-up also exits 130, one line)."""

import sys

try:
    from .cli import main
except KeyboardInterrupt:  # pragma: no cover - interrupted while importing
    sys.stderr.write("sdtheory: interrupted\n")
    raise SystemExit(130) from None

raise SystemExit(main())
