"""showup's framework-free matching engine (never imports Django).

from matching import ChildReport, Matcher, Candidate
m = Matcher()
m.rank(query, pool, top=3)            # linear scan of a pool of the other kind
index = m.build_index(open_missing)   # or build once, then
index.rank(found_report, top=3)       # query many times (blocking on inverted keys)
"""

from matching.candidate import Candidate
from matching.engine import Matcher, ReportIndex
from matching.report import ChildReport

__all__ = ["Candidate", "ChildReport", "Matcher", "ReportIndex"]
