"""The local sandbox: isolation layers (:mod:`.layers`), warm workers (:mod:`.pool`) and the
supervisor that runs inside (:mod:`.supervisor`, standard library only)."""
