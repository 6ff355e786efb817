"""Helpers that tests share but that are not tests: harnesses for external programs (see :mod:`.emupos`)."""
