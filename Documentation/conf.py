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
# The benchmark's report (bench/bench.md) and data are not pages: only
# .rst files are read; bench/benchmark.rst is the page about them.
exclude_patterns = []

language = 'en'
highlight_language = 'none'
html_theme = 'alabaster'
html_static_path = []
