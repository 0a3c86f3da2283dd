"""What an image file says about where it came from (docs/provenance.md).

``read_provenance(data)`` returns the contract's object; ``final_verdict`` combines it with
the model's verdict. Neither raises on bad metadata.
"""

from aiorhuman.provenance.combine import final_verdict, read_provenance
from aiorhuman.provenance.limits import DEFAULT_LIMITS, Limits

__all__ = ["DEFAULT_LIMITS", "Limits", "final_verdict", "read_provenance"]
