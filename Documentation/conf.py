# SPDX-License-Identifier: GPL-2.0
#
# Sphinx configuration of the project's documentation: plain
# reStructuredText, no extension (Debian's python3-sphinx is enough).
# Build with "make docs" (HTML into out/docs, warnings are errors).

project = 'vNTB with interrupt-driven doorbells'
copyright = 'the vNTB project contributors'
author = 'the vNTB project contributors'

root_doc = 'index'
source_suffix = {'.rst': 'restructuredtext'}
extensions = []
# The benchmark report (bench/bench.md) is Markdown: shipped as is, not
# a page of the HTML documentation.
exclude_patterns = ['bench']

language = 'en'
highlight_language = 'none'
html_theme = 'alabaster'
html_static_path = []
