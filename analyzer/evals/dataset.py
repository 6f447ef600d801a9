"""Eval datasets: JSONL, one gold-labelled sample per line, listing paths relative to the dataset file.

The format is the one of ../shared/evals/gold-dev.jsonl: `slug`, `title`, `listing`, `listing_url`,
`kind`, `factors` (all ten), `layers` (L1–L7: mapped | not_certain), `evidence` (factor → quote),
`injection` (text addressed to AI readers, or null), `confidence`, `note`. A project dataset may also
carry `expected_warnings` (warning codes the extractor should raise), and exposure gold in the format of
../shared/evals/exposure-dev.jsonl: `exposure` (the eight facts, each `{"value": "yes"|"no"|"not_stated",
"quote": str|null}`) and `mitigations` (`[{"kind", "quote"}]`). `--exposure FILE` adds that gold from a
separate JSONL file, matched by slug.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Literal

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from analyzer.errors import InputError
from analyzer.models import EXPOSURE_FACTS, FACTOR_ORDER, FactorKey, FactorValue, FactValue, Kind, LayerId, LayerStatus, Listing, MitigationKind

INJECTION_WARNING = "prompt_injection"
_URL_PREFIXES = ("http://", "https://")
_HINT = "each line must be one JSON object like the lines of ../shared/evals/gold-dev.jsonl"


class GoldFact(BaseModel):
    model_config = ConfigDict(extra="ignore")

    value: FactValue
    quote: str | None = None


class GoldMitigation(BaseModel):
    model_config = ConfigDict(extra="ignore")

    kind: MitigationKind
    quote: str | None = None


class ExposureGold(BaseModel):
    """One line of an exposure gold file (../shared/evals/exposure-dev.jsonl)."""

    model_config = ConfigDict(extra="ignore")

    slug: str
    exposure: dict[str, GoldFact]
    mitigations: list[GoldMitigation] = []

    @field_validator("exposure")
    @classmethod
    def _all_eight_facts(cls, v: dict[str, GoldFact]) -> dict[str, GoldFact]:
        unknown = sorted(set(v) - set(EXPOSURE_FACTS))
        missing = [f for f in EXPOSURE_FACTS if f not in v]
        if unknown or missing:
            raise ValueError(f"exposure must name the eight facts (unknown: {unknown or 'none'}, missing: {missing or 'none'})")
        return {f: v[f] for f in EXPOSURE_FACTS}


class Sample(BaseModel):
    """One gold-labelled listing."""

    # Unknown keys are ignored so a dataset can carry annotator fields the runner does not need.
    model_config = ConfigDict(extra="ignore")

    slug: str
    title: str = ""
    listing: str
    listing_url: str | None = None
    kind: Kind
    factors: dict[FactorKey, FactorValue]
    layers: dict[LayerId, LayerStatus]
    evidence: dict[FactorKey, str | list[str]] = {}
    injection: str | None = None
    expected_warnings: list[str] = []
    exposure: dict[str, GoldFact] | None = None
    mitigations: list[GoldMitigation] | None = None
    confidence: Literal["high", "medium", "low"] | None = None
    note: str | None = None

    @field_validator("slug", "listing")
    @classmethod
    def _not_blank(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("must not be empty")
        return v.strip()

    @field_validator("factors")
    @classmethod
    def _all_ten_factors(cls, v: dict[FactorKey, float]) -> dict[FactorKey, float]:
        missing = [k.value for k in FACTOR_ORDER if k not in v]
        if missing:
            raise ValueError(f"missing factor(s): {', '.join(missing)}")
        return {k: v[k] for k in FACTOR_ORDER}

    @field_validator("layers")
    @classmethod
    def _all_seven_layers(cls, v: dict[LayerId, LayerStatus]) -> dict[LayerId, LayerStatus]:
        missing = [k.value for k in LayerId if k not in v]
        if missing:
            raise ValueError(f"missing layer(s): {', '.join(missing)}")
        return {k: v[k] for k in LayerId}

    @field_validator("exposure")
    @classmethod
    def _eight_facts(cls, v: dict[str, GoldFact] | None) -> dict[str, GoldFact] | None:
        return None if v is None else ExposureGold._all_eight_facts(v)  # type: ignore[operator]

    @property
    def has_exposure_gold(self) -> bool:
        return self.exposure is not None

    @property
    def expects_injection(self) -> bool:
        """The listing carries text addressed to AI readers, so the extractor should flag it."""
        return self.injection is not None or INJECTION_WARNING in self.expected_warnings

    def evidence_quotes(self, key: FactorKey) -> list[str]:
        quotes = self.evidence.get(key)
        if quotes is None:
            return []
        return [quotes] if isinstance(quotes, str) else list(quotes)

    def factor_sum(self) -> float:
        return round(sum(self.factors.values()), 4)


@dataclass(frozen=True)
class Dataset:
    path: Path
    sha256: str
    samples: list[Sample]
    listing_paths: dict[str, str] = field(default_factory=dict)  # slug → resolved path or URL

    def listing_source(self, sample: Sample) -> str:
        return self.listing_paths[sample.slug]

    def subset(self, slugs: list[str]) -> Dataset:
        wanted = set(slugs)
        unknown = sorted(wanted - {s.slug for s in self.samples})
        if unknown:
            raise InputError(f"{self.path}: no sample with slug {', '.join(unknown)}", hint="use a slug from the dataset file")
        kept = [s for s in self.samples if s.slug in wanted]
        return Dataset(self.path, self.sha256, kept, {s.slug: self.listing_paths[s.slug] for s in kept})


def _basename(ref: str) -> str:
    # Paths in a dataset may be written with either separator.
    return PureWindowsPath(PurePosixPath(ref).name).name


def resolve_listing(ref: str, dataset_dir: Path, listings_dir: Path | None) -> str:
    """Where a sample's listing lives: a URL as is; --listings DIR by basename; else relative to the dataset."""
    if ref.startswith(_URL_PREFIXES):
        return ref
    if listings_dir is not None:
        return str(listings_dir / _basename(ref))
    path = Path(ref)
    return str(path if path.is_absolute() else (dataset_dir / path).resolve())


def load_dataset(path: str | Path, listings_dir: str | Path | None = None) -> Dataset:
    """Read and validate a JSONL dataset; every listing file must exist."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such dataset file", hint="pass a JSONL file with --dataset (e.g. evals/fixtures.jsonl)")
    lst_dir = Path(listings_dir) if listings_dir is not None else None
    if lst_dir is not None and not lst_dir.is_dir():
        raise InputError(f"{lst_dir}: not a directory", hint="--listings must name the folder that holds the listing files")
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8 text", hint=_HINT) from None
    samples: list[Sample] = []
    sources: dict[str, str] = {}
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        where = f"{path}:{lineno}"
        try:
            data = json.loads(line)
        except ValueError as exc:
            raise InputError(f"{where}: not valid JSON ({exc})", hint=_HINT) from None
        if not isinstance(data, dict):
            raise InputError(f"{where}: expected a JSON object, got {type(data).__name__}", hint=_HINT)
        try:
            sample = Sample.model_validate(data)
        except ValidationError as exc:
            raise InputError(f"{where}: invalid sample: {_first_error(exc)}", hint=_HINT) from None
        if sample.slug in sources:
            raise InputError(f"{where}: duplicate slug {sample.slug!r}", hint="each sample needs its own slug")
        source = resolve_listing(sample.listing, path.parent, lst_dir)
        if not source.startswith(_URL_PREFIXES) and not Path(source).is_file():
            hint = "check --listings" if lst_dir is not None else "paths are relative to the dataset file; or pass --listings DIR"
            raise InputError(f"{where}: listing file for {sample.slug!r} not found: {source}", hint=hint)
        samples.append(sample)
        sources[sample.slug] = source
    if not samples:
        raise InputError(f"{path}: the dataset has no samples", hint=_HINT)
    return Dataset(path=path, sha256=hashlib.sha256(raw).hexdigest(), samples=samples, listing_paths=sources)


def load_sample_listing(dataset: Dataset, sample: Sample) -> Listing:
    """The Listing a sample points at (a local file, or a URL through the fetcher)."""
    source = dataset.listing_source(sample)
    if source.startswith(_URL_PREFIXES):
        from analyzer.fetch import fetch_listing

        return fetch_listing(source)
    from analyzer.fetch.local import read_local

    return read_local(source)


def evidence_problems(dataset: Dataset) -> list[str]:
    """Gold evidence quotes that are not verbatim in their listing file (a labelling defect)."""
    problems: list[str] = []
    for sample in dataset.samples:
        source = dataset.listing_source(sample)
        if source.startswith(_URL_PREFIXES):
            continue
        text = Path(source).read_text("utf-8")
        for key in sample.evidence:
            for quote in sample.evidence_quotes(key):
                if quote not in text:
                    problems.append(f"{sample.slug}.{key.value}: {quote[:60]!r} not in {source}")
    return problems


def _first_error(exc: ValidationError) -> str:
    err = exc.errors()[0]
    where = ".".join(str(p) for p in err["loc"])
    return f"{where}: {err['msg']}" if where else err["msg"]


def load_exposure_gold(path: str | Path) -> dict[str, ExposureGold]:
    """Exposure gold by slug from a JSONL file in the format of ../shared/evals/exposure-dev.jsonl."""
    path = Path(path)
    hint = "each line must be one JSON object like the lines of ../shared/evals/exposure-dev.jsonl"
    if not path.is_file():
        raise InputError(f"{path}: no such exposure gold file", hint="pass a JSONL file with --exposure")
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8 text", hint=hint) from None
    out: dict[str, ExposureGold] = {}
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        where = f"{path}:{lineno}"
        try:
            gold = ExposureGold.model_validate(json.loads(line))
        except ValueError as exc:  # JSON and validation errors alike
            detail = _first_error(exc) if isinstance(exc, ValidationError) else f"not valid JSON ({exc})"
            raise InputError(f"{where}: invalid exposure gold: {detail}", hint=hint) from None
        if gold.slug in out:
            raise InputError(f"{where}: duplicate slug {gold.slug!r}", hint="each line needs its own slug")
        out[gold.slug] = gold
    if not out:
        raise InputError(f"{path}: no exposure gold lines", hint=hint)
    return out


def with_exposure_gold(dataset: Dataset, gold: dict[str, ExposureGold]) -> Dataset:
    """The dataset with exposure gold attached by slug (a sample without a line keeps what it has)."""
    samples = [
        s.model_copy(update={"exposure": gold[s.slug].exposure, "mitigations": gold[s.slug].mitigations}) if s.slug in gold else s
        for s in dataset.samples
    ]
    return Dataset(dataset.path, dataset.sha256, samples, dict(dataset.listing_paths))
