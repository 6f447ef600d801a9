"""The o200k_base BPE encoding, shipped inside the package and loaded with no network access.

tiktoken's own `get_encoding` downloads the BPE file on first use (no timeout), so a `--replay` or a
local-endpoint run would try to reach the internet. The package ships the exact file OpenAI publishes
(gzip-compressed, 1.7 MB), checks its sha256 against the hash tiktoken pins for it, and builds the
`tiktoken.Encoding` from the ranks directly; tiktoken's loader is never called.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING

from analyzer.errors import ConfigError

if TYPE_CHECKING:
    import tiktoken

ENCODING_NAME = "o200k_base"
DATA_FILE = "o200k_base.tiktoken.gz"
# sha256 of the uncompressed file: the `expected_hash` tiktoken_ext.openai_public.o200k_base() pins.
SHA256 = "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d"
SPECIAL_TOKENS = {"<|endoftext|>": 199999, "<|endofprompt|>": 200018}
# The split pattern of tiktoken_ext.openai_public.o200k_base() (a test checks they are the same).
PAT_STR = "|".join(
    [
        r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
        r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
        r"""\p{N}{1,3}""",
        r""" ?[^\s\p{L}\p{N}]+[\r\n/]*""",
        r"""\s*[\r\n]+""",
        r"""\s+(?!\S)""",
        r"""\s+""",
    ]
)


def mergeable_ranks(compressed: bytes | None = None) -> dict[bytes, int]:
    """Token bytes → rank, from the shipped file after its checksum is verified."""
    if compressed is None:
        compressed = resources.files("analyzer.data").joinpath(DATA_FILE).read_bytes()
    contents = gzip.decompress(compressed)
    digest = hashlib.sha256(contents).hexdigest()
    if digest != SHA256:
        raise ConfigError(
            f"analyzer/data/{DATA_FILE}: checksum mismatch (sha256 {digest[:12]}…, expected {SHA256[:12]}…)",
            hint="the installation is damaged; reinstall the package",
        )
    # Lines are "<base64 token> <rank>"; one split of the whole file is several times faster than per line.
    fields = contents.split()
    return dict(zip(map(base64.b64decode, fields[0::2]), map(int, fields[1::2]), strict=True))


@cache
def o200k_encoding() -> tiktoken.Encoding:
    import tiktoken

    return tiktoken.Encoding(name=ENCODING_NAME, pat_str=PAT_STR, mergeable_ranks=mergeable_ranks(), special_tokens=SPECIAL_TOKENS)
