"""Bring a WordPress, Movable Type/TypePad, Blogger or Disqus blog over, comments too.

Nothing here runs during a build: ``colloquy import-blog`` (``commands.py``) reads
an export with one module per format and writes posts and perspective files into
content/ through ``writer.py``.
"""
