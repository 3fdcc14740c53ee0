"""returns-to-reports core: pure functions over plain data (no Prefect, no config reads, no I/O).

The store (`rtr/store`) is the one adapter that talks to a database; `flows/` does the rest of the I/O.
"""
