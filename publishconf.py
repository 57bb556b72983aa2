"""Production settings: ``make publish`` builds with these and ``--fatal warnings``."""

import os
import sys

sys.path.append(os.curdir)
from pelicanconf import *

SITEURL = os.environ.get("COLLOQUY_SITEURL", "https://colloquy.example.org")
RELATIVE_URLS = False
DELETE_OUTPUT_DIRECTORY = True
