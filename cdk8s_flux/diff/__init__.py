"""What Flux would change on the cluster: objects compared, warnings for a reviewer, reports for a pull request."""

from cdk8s_flux.diff.objects import ObjectChange, ObjectId, compare, masked
from cdk8s_flux.diff.report import as_json, as_markdown, as_text
from cdk8s_flux.diff.warnings import FluxWarning, flux_warnings

__all__ = [
    "FluxWarning",
    "ObjectChange",
    "ObjectId",
    "as_json",
    "as_markdown",
    "as_text",
    "compare",
    "flux_warnings",
    "masked",
]
