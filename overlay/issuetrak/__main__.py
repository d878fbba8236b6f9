import sys

from issuetrak.cli import main

sys.exit(main())
