"""What an image file says about where it came from (docs/provenance.md).

``read_provenance(data)`` returns the contract's object; ``final_verdict`` combines it with
the model's verdict. Neither raises on bad metadata. C2PA signers are recognised through the
trust lists of ``$AIORHUMAN_TRUST_DIR`` (``load_trust`` / ``current_trust``; none by default).
"""

from aiorhuman.provenance.combine import final_verdict, read_provenance
from aiorhuman.provenance.limits import DEFAULT_LIMITS, Limits
from aiorhuman.provenance.trust import (
    NO_TRUST,
    TRUST_DIR_ENV,
    Trust,
    current_trust,
    load_trust,
    trust_dir,
)

__all__ = [
    "DEFAULT_LIMITS",
    "NO_TRUST",
    "TRUST_DIR_ENV",
    "Limits",
    "Trust",
    "current_trust",
    "final_verdict",
    "load_trust",
    "read_provenance",
    "trust_dir",
]
