import sys

from optim.cli import main

sys.exit(main())
