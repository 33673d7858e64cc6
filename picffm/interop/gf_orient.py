"""Which way light crosses each instance of a flattened gdsfactory netlist, from the nets alone.

Each picffm component has an entry side and an exit side; starting from the
chip ports named as inputs or outputs, the direction is propagated along the
nets (a port joined to an exit is an entry). An instance crossed from its exit
side is *flipped*: its ports are renamed by :data:`REVERSE_PORTS`.
"""

from __future__ import annotations

from collections import deque

from ..components import COMPONENTS
from ..errors import NetlistError

__all__ = ["orient", "REVERSE_PORTS"]

#: port renaming of a device crossed backwards, by its number of ports
REVERSE_PORTS = {4: {"o1": "o4", "o4": "o1", "o2": "o3", "o3": "o2"}, 2: {"o1": "o2", "o2": "o1"}}


def orient(leaves, comps, pairs, ports, inputs, outputs, w):
    """flip[inst] (True = traversed from its exit side), or None if not orientable."""
    side = {}  # (inst, picffm port) -> 0 entry side / 1 exit side
    for name, comp in comps.items():
        c = COMPONENTS[comp]
        for p in c.ports:
            side[(name, p)] = 0 if p in c.inputs else 1
    adj: dict[str, list[tuple[str, int]]] = {n: [] for n in leaves}
    for a, b in pairs:
        (ia, pa), (ib, pb) = a.split(","), b.split(",")
        if not COMPONENTS[comps[ia]].outputs or not COMPONENTS[comps[ib]].outputs:
            continue  # terminators absorb from either side
        # role(a) != role(b): flip[b] = side[a] ^ flip[a] ^ side[b] ^ 1
        rel = side[(ia, pa)] ^ side[(ib, pb)] ^ 1
        adj[ia].append((ib, rel))
        adj[ib].append((ia, rel))
    flip: dict[str, int] = {}
    seeds = [(p, 0) for p in inputs] + [(p, 1) for p in outputs]
    if not seeds and ports:
        seeds = [(next(iter(ports)), 0)]
    orientable = True

    def spread(start: str) -> bool:
        queue = deque([start])
        while queue:
            n = queue.popleft()
            for m, rel in adj[n]:
                want = flip[n] ^ rel
                if m not in flip:
                    flip[m] = want
                    queue.append(m)
                elif flip[m] != want:
                    return False
        return True

    for port, role in seeds:
        inst, p = ports[port].split(",")
        want = side[(inst, p)] ^ role
        if inst in flip:
            if flip[inst] != want:
                given = [q for q, _ in seeds[: seeds.index((port, role))]]
                raise NetlistError(w + f"port {port!r} cannot be an {'input' if role == 0 else 'output'}: "
                                   f"light entering {', '.join(given) or 'the first port'} leaves through it "
                                   "(or reaches it from the same side); check --inputs/--outputs")
            continue
        flip[inst] = want
        orientable &= spread(inst)
    for name in leaves:  # parts not reached from a chip port
        if name not in flip:
            flip[name] = 0
            orientable &= spread(name)
    return flip if orientable else None
