"""showup's framework-free matching engine (never imports Django)."""

from matching.candidate import Candidate
from matching.engine import Matcher
from matching.report import ChildReport

__all__ = ["Candidate", "ChildReport", "Matcher"]
