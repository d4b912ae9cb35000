import sys

from momrel.cli import main

sys.exit(main())
