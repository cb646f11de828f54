"""The phases of a server start on a large glossary: database load, snapshot, each derived index, peak memory.

.venv/bin/python -m bench.search_bench --concepts 100000     # builds the database once
.venv/bin/python -m bench.startup_bench sqlite:////tmp/glossary-bench/glossary-100000.db
"""

from __future__ import annotations

import resource
import sys
import time

from sqlalchemy.orm import Session

from app.db import make_engine
from app.indexes import derived_indexes
from app.terms import repository
from app.terms.glossary import Glossary


def main() -> None:
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    engine = make_engine(sys.argv[1])
    started = time.perf_counter()
    with Session(engine) as session:
        changed, deleted, revision = repository.load_changed(session, 0)
    loaded = time.perf_counter()
    glossary = Glossary([])
    glossary.apply(changed, deleted, revision)
    applied = time.perf_counter()
    records = list(glossary.records())
    for index in derived_indexes():
        began = time.perf_counter()
        index.reset(records)
        print(f"{type(index).__name__}.reset {time.perf_counter() - began:.2f} s")
    done = time.perf_counter()
    engine.dispose()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"{len(changed)} concepts: database load {loaded - started:.2f} s, snapshot {applied - loaded:.2f} s, "
        f"indexes {done - applied:.2f} s, total {done - started:.2f} s, peak RSS {peak:.0f} MB"
    )


if __name__ == "__main__":
    main()
