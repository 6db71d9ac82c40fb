"""featuresite: builds bilingual news-feature microsites from content/ (Markdown + YAML).

Stages, in data-flow order, one module each:
config -> discover -> parse -> link -> render -> write, driven by pipeline.
"""

__version__ = "0.1.0"
