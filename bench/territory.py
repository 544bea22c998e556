"""Benchmark: import all of France (1,255 EPCIs, 34,969 communes) into the current database.

``bench_import_france(data_dir)`` runs ``territory_import`` on the full ``data/`` folder of the
npm package ``@etalab/decoupage-administratif`` (see ``communes/data/README.md``) and returns
``(seconds, peak_bytes, result)``:

- ``seconds``: wall-clock time of the import, reading the JSON files included;
- ``peak_bytes``: peak of the Python memory allocated during the import, from tracemalloc;
- ``result``: the ``communes.services.ImportResult`` with the counts.

tracemalloc slows Python code down three to four times, so the memory is measured on a first
run inside a transaction that is rolled back, and the time on a second, untraced run that
commits. Both runs start from the same database state.

Django must be set up, pointing at a scratch database (the import writes to it). On an empty
database the run measures creation; on a second call it measures a re-import, where every row
is unchanged (see the counts). Measured on PostgreSQL 15 on a development machine: about 5.5 s
and 80 MB peak for the creation, 1.5 s for an unchanged re-import.
"""

import time
import tracemalloc
from pathlib import Path

from django.db import transaction

from communes.services import ImportResult, territory_import


def bench_import_france(data_dir: Path | str) -> tuple[float, int, ImportResult]:
    """Import every EPCI and commune of ``data_dir``; (seconds, peak memory in bytes, counts)."""
    source = Path(data_dir)

    already_tracing = tracemalloc.is_tracing()
    if not already_tracing:
        tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        baseline, _ = tracemalloc.get_traced_memory()
        with transaction.atomic():
            territory_import(source=source)
            _, peak = tracemalloc.get_traced_memory()
            transaction.set_rollback(True)
    finally:
        if not already_tracing:
            tracemalloc.stop()

    started = time.perf_counter()
    result = territory_import(source=source)
    seconds = time.perf_counter() - started
    return seconds, peak - baseline, result
