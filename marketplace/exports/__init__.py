"""Excel (.xlsx) and CSV exports of the bureau's lists, for staff.

``sheets`` defines each export (its Chinese headers, column kinds and the query with the list's
filters), ``writers`` turns rows into a streamed file with bounded memory, ``views`` checks who
may download what (sealed bids never before the deadline).
"""
