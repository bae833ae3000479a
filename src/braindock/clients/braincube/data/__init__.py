"""Braindata access: filters (:mod:`.conditions`) and column data (:mod:`.data`)."""
