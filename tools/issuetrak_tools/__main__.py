import sys

from issuetrak_tools.cli import main

sys.exit(main())
