"""The one GUID rule (bot/ids.py), used by the Graph directory, the HR service and HR auth.

Before it there were three regexes: two took any case, HR auth only lower case (after
lowering its input itself), and all three let a trailing newline through ("$" with match).
"""

from __future__ import annotations

import pytest

from bot.ids import is_guid

GUID = "3f2504e0-4f89-11d3-9a0c-0305e82c3301"


@pytest.mark.parametrize(
    "value",
    [
        GUID,  # lower case, as Graph writes it
        GUID.upper(),  # upper case, as some admin portals show it
        "3F2504E0-4f89-11D3-9a0c-0305E82C3301",  # mixed case
        "00000000-0000-0000-0000-000000000000",
    ],
)
def test_guids_in_any_case(value: str) -> None:
    assert is_guid(value)


@pytest.mark.parametrize(
    "value",
    [
        "{" + GUID + "}",  # braces: the registry spelling, never on the wire
        f" {GUID}",  # whitespace is the caller's to strip
        f"{GUID} ",
        f"{GUID}\n",  # the old "$" accepted this one
        "",
        "not-a-guid",
        GUID.replace("-", ""),  # 32 digits without dashes
        GUID[:-1],  # one digit short
        GUID + "0",  # one digit too many
        GUID.replace("3f", "3g", 1),  # not hexadecimal
        "3f2504e0_4f89_11d3_9a0c_0305e82c3301",
        "alice@example.org",
        f"{GUID},{GUID}",
    ],
)
def test_everything_else_is_not_a_guid(value: str) -> None:
    assert not is_guid(value)
