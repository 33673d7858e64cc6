"""Bridges to other tools: sax, gdsfactory, Touchstone files, spectra.

Each submodule imports its tool on first use, so ``import picffm`` never needs
the optional ``interop`` extra (``pip install 'picffm[interop]'``: sax,
gdsfactory, scikit-rf):

* :mod:`picffm.interop.sax`: sax model functions for every picffm component,
  so ``sax.circuit(netlist, models=picffm.interop.sax.models())`` evaluates a
  picffm netlist unchanged;
* :mod:`picffm.interop.gdsfactory`: gdsfactory netlists (``nets``, rotated and
  mirrored instances, PDK cell names) to picffm netlists through a component
  map; :mod:`picffm.interop.gf_cells`: gdsfactory Components for picffm's
  cells and meshes;
* :mod:`picffm.interop.spectrum`: transfer or S-matrices over a wavelength
  grid, vectorised over wavelengths;
* :mod:`picffm.interop.touchstone`: ``.sNp`` files in and out (scikit-rf).
"""
