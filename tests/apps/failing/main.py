"""An app whose synth fails half way, after printing to stdout."""

import sys

print("about to fail")
sys.exit("boom: the app raised")
