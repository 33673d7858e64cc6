"""Run directories and task execution shared by training, studies and free-space runs.

* :mod:`.rundir`: one writer per directory (a lock), refusal of a reused
  directory unless resuming or forced, and the list of files a run owns;
* :mod:`.statefile`: JSON + NPZ state files (no pickle: nothing read back
  from a user's directory can run code), with one clear line for a corrupt
  or foreign file;
* :mod:`.executor`: independent tasks serially, in a local process pool or
  on Dask, with deterministic seeds and JSON results;
* :mod:`.signals`: Ctrl-C and SIGTERM handling for long runs (the first
  signal asks for a clean stop, a second one exits at once).

Nothing here knows about photonics: it depends only on :mod:`picffm.errors`
and :mod:`picffm.atomic`.
"""
