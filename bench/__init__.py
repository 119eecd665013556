"""`python -m bench`: Hookline's benchmark suite.

Every row of one run delivers to the same receiver process on this machine, so the rows can be
compared with each other and with the "ceiling" row (a bare HTTP client with no storage).
"""
