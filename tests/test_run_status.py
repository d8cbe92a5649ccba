"""The run status is a pure function of the run's facts; the exit status follows from it.

One row per status and per `failed:*` reason, with the exit status the README
promises (2 and 75 are decided before a run exists: usage errors and a held lock).
"""

from __future__ import annotations

import pytest

from herts_scraper.archive.report import DISK_FULL, EXIT_CODES, RunFacts, exit_code, run_status

FINE = {"reason": "finished", "stored": 10}

TABLE = [
    # facts                                                              status                         exit
    (FINE,                                                                "ok",                          0),
    ({**FINE, "stored": 0, "skipped": 3},                                 "ok",                          0),
    ({**FINE, "stored": 0, "removed": 1},                                 "ok",                          0),
    ({**FINE, "stored": 0, "teasers_known": 20},                          "ok",                          0),
    ({**FINE, "failed": 1},                                               "incomplete",                  3),
    ({**FINE, "rejected": 2},                                             "incomplete",                  3),
    ({**FINE, "problems": ("listing empty",), "failed": 1},               "unhealthy",                   4),
    ({**FINE, "stored": 0},                                               "failed:no-articles",          1),
    ({**FINE, "writer_failure": "Traceback ..."},                         "failed:archive-writer",       1),
    ({**FINE, "writer_failure": f"{DISK_FULL}: database or disk is full"}, f"failed:{DISK_FULL}",        1),
    ({**FINE, "reason": DISK_FULL},                                       f"failed:{DISK_FULL}",         1),
    ({**FINE, "reason": "shutdown"},                                      "interrupted",                 5),
    ({**FINE, "reason": "closespider_itemcount"},                         "stopped:itemcount",           5),
    ({**FINE, "reason": "closespider_timeout", "stored": 0},              "stopped:timeout",             5),
    ({**FINE, "reason": "archive_writer_failed", "writer_failure": "x"},  "failed:archive-writer",       1),
    ({**FINE, "reason": "cancelled"},                                     "failed:cancelled",            1),
]


@pytest.mark.parametrize("facts, status, code", TABLE)
def test_status_and_exit_code(facts, status, code):
    assert run_status(RunFacts(**facts)) == status
    assert exit_code(status) == code


def test_every_exit_status_is_covered():
    covered = {code for _, _, code in TABLE} | {exit_code("usage"), exit_code("locked")}
    assert covered == set(EXIT_CODES.values()) == {0, 1, 2, 3, 4, 5, 75}
    assert exit_code(None) == 1  # a crawl that never got to decide (it crashed) failed
