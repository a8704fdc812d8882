"""Per-ticket probe programs: browser computations only a real engine answers.

See :mod:`humangate.probes.program` (what the page runs), :mod:`~.layout` and
:mod:`~.paths` (the families), :mod:`~.binding` (how the answers key the solve),
:mod:`~.expected` (the server's answers) and :mod:`~.step` (the challenge step).
"""
