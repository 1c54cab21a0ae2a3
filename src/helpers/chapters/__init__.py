"""Chapter presentation: the parameters and preamble every chapter starts with
(:mod:`.params`, :mod:`.preamble`), its tables (:mod:`.tables`), its charts with their theme
and renderer (:mod:`.figures`, :mod:`.chart_theme`, :mod:`.vega_render`) and the explorable
figures (:mod:`.explore`)."""
