"""`make bench`: a large tenant among many, bulk-loaded into its own PostgreSQL database, then
measured over HTTP (gunicorn + wrk) and in-process (query counts, ORM vs hand-written SQL).

Run ``python -m bench.run --help``. Kept out of ``make test``; tests/bench/test_generate.py
keeps the generator from rotting.
"""
