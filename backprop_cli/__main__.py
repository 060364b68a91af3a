"""Lets you run the tool as ``python -m backprop_cli``."""
from backprop_cli.cli import main

main()
