"""The one GUID rule: what counts as an Entra object id or tenant id.

Ground floor. Graph, tokens and HR requests all write GUIDs as 8-4-4-4-12 hexadecimal
digits; this is the only place that says so.
"""

from __future__ import annotations

import re

# fullmatch, not match with "$": "$" would also accept a trailing newline.
_GUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE)


def is_guid(value: str) -> bool:
    """8-4-4-4-12 hexadecimal digits in any case, and nothing else.

    Braces ("{…}", the Windows registry spelling) and surrounding whitespace are refused:
    Graph and Entra never write them, and a caller that accepts user input strips it first.
    Compare GUIDs after `.lower()`: Graph answers in lower case.
    """
    return _GUID.fullmatch(value) is not None
