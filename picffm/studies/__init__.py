"""Robustness studies: drift and mirror asymmetry, run serially, in a local
process pool or on a Dask cluster.

* :mod:`.sweep`: sweep definitions (options or TOML), validated at the boundary;
* :mod:`.executor`: independent tasks with order-free seeds, any backend,
  identical results;
* :mod:`.store`: the study directory, its stored sweep and one atomic file
  per finished point (interrupt and ``--resume``);
* :mod:`.checkpoints`: the state of the points in progress, so an interrupted
  point continues where it stopped, bit for bit;
* :mod:`.drift`, :mod:`.asymmetry`: the two studies (task functions and
  summaries);
* :mod:`.report`: CSV, ``results.json`` and PNG plots.
"""
