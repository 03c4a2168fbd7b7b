"""Command-line tools (MXNet 1.x `tools/`): `python -m mxnb.tools.launch`."""
