"""Side-by-side speed runs; ``make bench`` (not part of ``make test``)."""
