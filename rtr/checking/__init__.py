"""Checking: the rules over a read return, which return of a firm counts (S01), findings as records."""
