"""JSON from untrusted sources (listings, Hub/GitHub API answers, saved analyses) without RecursionError.

`json.loads` raises RecursionError, not ValueError, on deeply nested input such as "[" x 10,000; every
caller already turns ValueError into a clean one-line error, so this turns one into the other.
"""

from __future__ import annotations

import json
from typing import Any


class JsonTooDeepError(ValueError):
    pass


def loads(text: str | bytes) -> Any:
    try:
        return json.loads(text)
    except RecursionError:
        raise JsonTooDeepError("the JSON is nested too deeply to read") from None


__all__ = ["JsonTooDeepError", "loads"]
