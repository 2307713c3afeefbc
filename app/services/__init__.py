"""The product's rules, as plain Python.

Nothing here imports `request`, `g`, `current_user` or forms: every function takes explicit
arguments, commits one unit of work, and raises a `DomainError` when a rule says no.
The HTML, JSON and CLI layers call these functions and only translate their results.
"""
