"""Helpers for the #socialwork replication book.

The modules follow the flow of the book:

``registry`` (published claims) → ``audit`` (their consistency) → ``codebook`` and
``synth`` (synthetic respondents) → ``dataio`` (reading and validating respondent files) →
``figures`` (charts) → the notebooks.
"""

__all__ = ["__version__"]
__version__ = "0.2.0"
