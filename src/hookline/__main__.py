import sys

from hookline.cli import main

sys.exit(main())
