import sys

from herts_scraper.cli import main

sys.exit(main())
