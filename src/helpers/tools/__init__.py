"""Publishing tools that no chapter imports: the book's build (:mod:`.build`), its PDF
(:mod:`.pdf`), the student edition (:mod:`.student`), the data downloads
(:mod:`.downloads`), the Sphinx extension (:mod:`.sphinx_ext`), the lock file
(:mod:`.lockfile`) and the benchmarks (:mod:`.bench`)."""
