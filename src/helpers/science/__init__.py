"""The science, in the order the data flow: published claims (:mod:`.registry`), the
assumptions (:mod:`.assumptions`) and codebook (:mod:`.codebook`), the audit
(:mod:`.audit`), synthetic respondents (:mod:`.synth`) and respondent files (:mod:`.dataio`,
:mod:`.exports`, :mod:`.crosswalk`), the analyses (:mod:`.descriptive`, :mod:`.models`,
:mod:`.robustness`, :mod:`.diagnostics`), the simulation study (:mod:`.simulation`),
E-values (:mod:`.sensitivity`), the ledger (:mod:`.ledger`) and practice (:mod:`.practice`).

Nothing here draws a chart or builds a page."""
