"""Project → HTML pages: mystmd makes the page JSON, mystlite's template renders it (see mystmd.py, nodes.py).

The stage itself is stage.py (start_pages, finish_pages). This file imports nothing, so that the light modules
here (mystcommand.py) can be used before the renderer's are loaded.
"""
