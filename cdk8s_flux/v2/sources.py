"""Flux sources (source.toolkit.fluxcd.io/v1): GitRepository, OCIRepository, HelmRepository, HelmChart, Bucket.

Each props value carries the spec fields in snake_case with the defaults of
``flux create source <kind> --export`` (``interval`` 1m0s, OCIRepository and
Bucket ``provider`` generic, HelmChart ``reconcile_strategy`` ChartVersion), so
the same inputs give the objects the CLI prints. Nested specs (refs,
verification, layer selector) are their own small values.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol, TypeAlias, overload, runtime_checkable

from constructs import Construct

from cdk8s_flux import validation
from cdk8s_flux.errors import ValidationError
from cdk8s_flux.oci.reference import check_digest, check_provider, check_tag, is_digest, is_tag
from cdk8s_flux.props import keyword_options
from cdk8s_flux.substitution import Var, admits, text
from cdk8s_flux.v2.resource import (
    FluxObjectProps,
    FluxResource,
    ObjectRef,
    SpecObject,
    accepts,
    compact,
    flag,
    ignore_text,
    local_ref,
    nested,
    optional,
    secret_ref,
)
from cdk8s_flux.validation import flux_git_url, git_branch

#: The providers each kind authenticates with (CRD enums).
GIT_PROVIDERS = ("generic", "aws", "azure", "github")
BUCKET_PROVIDERS = ("generic", "aws", "gcp", "azure")
#: The Security Token Service each Bucket provider takes (CRD CEL rules): aws with aws, ldap with generic.
BUCKET_STS_PROVIDERS = {"aws": "aws", "generic": "ldap"}
VERIFY_PROVIDERS = ("cosign", "notation")
GIT_VERIFY_MODES = ("head", "HEAD", "Tag", "TagAndHEAD")
RECONCILE_STRATEGIES = ("ChartVersion", "Revision")

_COMMIT = re.compile(r"^[0-9a-f]{7,64}$")
_TAG = re.compile(r"^[^\s~^:?*\[\\]+$")
_HOST_PORT = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?(:[0-9]{1,5})?$")
_BUCKET_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,221}[a-z0-9]$")


def _exclusive(field_name: str, chosen: dict[str, Any], allowed: tuple[frozenset[str], ...], fix: str) -> None:
    """Refuse a combination of set fields that Flux would resolve by silently ignoring some."""
    names = frozenset(key for key, value in chosen.items() if value is not None)
    if not names:
        raise ValidationError(field_name, None, "no " + " / ".join(chosen) + " given", fix)
    if len(names) > 1 and names not in allowed:
        listed = ", ".join(sorted(names))
        raise ValidationError(
            field_name, listed, f"{listed} are set together, and Flux would use one and ignore the others", fix
        )


# --- nested specs --------------------------------------------------------------------------------


@dataclass(frozen=True)
class GitRepositoryRef(SpecObject):
    """What a GitRepository checks out: one of branch, tag, semver, name or commit (commit may go with branch).

    branch: its latest commit. tag: a tag. semver: the highest tag in a range.
    name: a full reference (``refs/heads/main``, ``refs/pull/42/head``). commit: one
    SHA. Flux gives them a precedence (commit, name, semver, tag, branch) and
    drops the rest without a word, so a second one is an error here.
    """

    branch: str | None = None
    tag: str | None = None
    semver: str | None = None
    name: str | None = None
    commit: str | None = None

    def __post_init__(self) -> None:
        chosen = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        _exclusive(
            "ref",
            chosen,
            (frozenset({"branch", "commit"}),),
            "set one of branch, tag, semver, name or commit (a commit may be combined with its branch)",
        )
        if self.name is not None and (not isinstance(self.name, str) or not self.name.startswith("refs/")):
            raise ValidationError("ref.name", self.name, "not a full Git reference", "write it like refs/heads/main or refs/tags/v1.0.0")
        if self.commit is not None and (not isinstance(self.commit, str) or not _COMMIT.match(self.commit)):
            raise ValidationError("ref.commit", self.commit, "not a commit SHA", "give the hexadecimal commit hash (7 to 64 lowercase hex digits)")
        if self.tag is not None and (not isinstance(self.tag, str) or not _TAG.match(self.tag)):
            raise ValidationError("ref.tag", self.tag, "not a Git tag name", "use a tag name such as v1.0.0")
        optional(git_branch, "ref.branch", self.branch)
        optional(validation.semver_range, "ref.semver", self.semver)

    def to_spec(self) -> dict[str, str]:
        """``spec.ref``."""
        return compact({"branch": self.branch, "tag": self.tag, "semver": self.semver, "name": self.name, "commit": self.commit})


@dataclass(frozen=True)
class GitRepositoryInclude:
    """Another GitRepository whose files are copied into this one's artifact (``spec.include``).

    repository: the construct or an ``ObjectRef``, in the same namespace. from_path:
    the folder to copy (Flux: the whole repository). to_path: where it lands
    (Flux: a folder named like the repository).
    """

    repository: GitRepositoryReference
    from_path: str | None = None
    to_path: str | None = None

    def to_spec(self, namespace: str | None) -> dict[str, Any]:
        """``spec.include[]``; the repository must be in ``namespace``, the including one's."""
        return compact(
            {
                "repository": local_ref(self.repository, "include.repository", _GIT_REPOSITORIES, namespace, kind=False),
                "fromPath": optional(validation.string, "include.from_path", self.from_path),
                "toPath": optional(validation.string, "include.to_path", self.to_path),
            }
        )


@dataclass(frozen=True)
class GitVerification(SpecObject):
    """Verify the OpenPGP signature of the commit or tag (``spec.verify``) with the keys of a Secret."""

    SPEC_KEYS: ClassVar[Mapping[str, str | tuple[str, ...]]] = {"secret_ref": "secretRef.name"}

    secret_ref: str
    mode: str | None = None

    def __post_init__(self) -> None:
        validation.dns1123_subdomain("verify.secret_ref", self.secret_ref)
        optional(validation.one_of, "verify.mode", self.mode, GIT_VERIFY_MODES)

    def to_spec(self) -> dict[str, Any]:
        return compact({"secretRef": secret_ref("verify.secret_ref", self.secret_ref), "mode": self.mode})


@dataclass(frozen=True)
class OIDCIdentity:
    """A keyless cosign identity: regular expressions the certificate's issuer and subject must match."""

    issuer: str
    subject: str


@dataclass(frozen=True)
class Verification(SpecObject):
    """Verify signatures of an OCI artifact or Helm chart with cosign or notation (``spec.verify``).

    provider: ``cosign`` (default) or ``notation``. secret_ref: the public keys
    (cosign) or trust policy and certificates (notation, required). match_oidc_identity:
    keyless cosign identities. trusted_root_secret_ref: OCIRepository only.
    """

    SPEC_KEYS: ClassVar[Mapping[str, str | tuple[str, ...]]] = {"secret_ref": "secretRef.name", "match_oidc_identity": "matchOIDCIdentity", "trusted_root_secret_ref": "trustedRootSecretRef.name"}

    provider: str = "cosign"
    secret_ref: str | None = None
    match_oidc_identity: Sequence[OIDCIdentity] = ()
    trusted_root_secret_ref: str | None = None

    def __post_init__(self) -> None:
        validation.one_of("verify.provider", self.provider, VERIFY_PROVIDERS)
        if isinstance(self.match_oidc_identity, (str, bytes)) or not isinstance(self.match_oidc_identity, (list, tuple)):
            raise ValidationError("verify.match_oidc_identity", self.match_oidc_identity, "not a list", "write [OIDCIdentity(issuer=..., subject=...)]")
        for index, identity in enumerate(self.match_oidc_identity):
            where = f"verify.match_oidc_identity[{index}]"
            if not isinstance(identity, OIDCIdentity):
                raise ValidationError(where, identity, "not an OIDCIdentity", "write OIDCIdentity(issuer=..., subject=...)")
            for part in ("issuer", "subject"):
                value = validation.string(f"{where}.{part}", getattr(identity, part), empty=True)
                if value:
                    validation.go_regexp(f"{where}.{part}", value)
        optional(validation.dns1123_subdomain, "verify.secret_ref", self.secret_ref)
        optional(validation.dns1123_subdomain, "verify.trusted_root_secret_ref", self.trusted_root_secret_ref)
        if self.provider == "notation":
            if self.secret_ref is None:
                raise ValidationError("verify.secret_ref", None, "notation needs a trust policy and certificates", "name the Secret that holds them")
            if self.match_oidc_identity:
                raise ValidationError(
                    "verify.match_oidc_identity", self.match_oidc_identity, "keyless identities are a cosign feature", "drop them or use provider='cosign'"
                )

    def to_spec(self, *, oidc: bool = True, trusted_root: bool = True) -> dict[str, Any]:
        """``spec.verify``; ``oidc`` and ``trusted_root`` say whether the referring kind takes those fields."""
        identities = [{"issuer": identity.issuer, "subject": identity.subject} for identity in self.match_oidc_identity]
        if identities and not oidc:
            raise ValidationError("verify.match_oidc_identity", identities, "not supported here", "verify with secret_ref keys")
        if self.trusted_root_secret_ref is not None and not trusted_root:
            raise ValidationError("verify.trusted_root_secret_ref", self.trusted_root_secret_ref, "only an OCIRepository takes it", "drop it")
        return compact(
            {
                "provider": self.provider,
                "secretRef": secret_ref("verify.secret_ref", self.secret_ref),
                "matchOIDCIdentity": identities or None,
                "trustedRootSecretRef": secret_ref("verify.trusted_root_secret_ref", self.trusted_root_secret_ref),
            }
        )


@dataclass(frozen=True)
class OCIRepositoryRef(SpecObject):
    """Which artifact an OCIRepository pulls: a tag, a semver range (optionally filtered), or a digest.

    A tag may go with its digest (``tag@digest``, as Renovate pins): Flux pulls the
    digest and the tag stays for the reader. Tag and semver together are refused,
    since Flux would silently drop the tag.
    """

    tag: str | None = None
    semver: str | None = None
    semver_filter: str | None = None
    digest: str | None = None

    def __post_init__(self) -> None:
        _exclusive(
            "ref",
            {"tag": self.tag, "semver": self.semver, "digest": self.digest},
            (frozenset({"tag", "digest"}),),
            "set one of tag, semver or digest (a digest may be combined with its tag)",
        )
        # Flux substitutes post-build variables here too: ${version} passes where a tag could follow
        if self.tag is not None and not admits(is_tag, self.tag, "ref.tag"):
            check_tag("ref.tag", self.tag)
        if self.digest is not None and not admits(is_digest, self.digest, "ref.digest"):
            check_digest("ref.digest", self.digest)
        if self.semver_filter is not None and self.semver is None:
            raise ValidationError("ref.semver_filter", self.semver_filter, "filters the tags a semver range picks from", "set semver too, or drop it")
        optional(validation.semver_range, "ref.semver", self.semver)
        optional(validation.go_regexp, "ref.semver_filter", self.semver_filter)

    def to_spec(self) -> dict[str, str]:
        """``spec.ref``."""
        return compact({"tag": self.tag, "semver": self.semver, "semverFilter": self.semver_filter, "digest": self.digest})


@dataclass(frozen=True)
class LayerSelector(SpecObject):
    """Which layer of the OCI artifact to use (``spec.layerSelector``).

    media_type: the layer's media type (Flux: the first layer). operation:
    ``extract`` (Flux's default: unpack the tarball) or ``copy`` (keep it as is,
    such as a packaged Helm chart).
    """

    media_type: str | None = None
    operation: str | None = None

    def __post_init__(self) -> None:
        if self.media_type is None and self.operation is None:
            raise ValidationError("layer_selector", self, "empty", "set media_type and/or operation, or drop it")
        optional(validation.string, "layer_selector.media_type", self.media_type)
        optional(validation.one_of, "layer_selector.operation", self.operation, ("extract", "copy"))

    def to_spec(self) -> dict[str, str]:
        return compact({"mediaType": self.media_type, "operation": self.operation})


def _secret_name(field_name: str, value: str | None) -> str | None:
    return optional(validation.dns1123_subdomain, field_name, value)


def _source_ref(value: object, ref: dict[str, str]) -> dict[str, str]:
    """``ref`` with the ``apiVersion`` an ``ObjectRef`` names, for the references whose schema has one."""
    if isinstance(value, ObjectRef) and value.api_version is not None:
        return {"apiVersion": value.api_version, **ref}
    return ref


@runtime_checkable
class AccessControl(Protocol):
    """The namespaces allowed to reference an object (``spec.accessFrom``): ``cdk8s_flux.v2.AccessFrom``.

    A protocol, so the one ``AccessFrom`` value serves HelmRepository and ImageRepository alike.
    """

    @property
    def namespace_selectors(self) -> Sequence[Any]: ...

    def to_spec(self) -> dict[str, Any]: ...


@dataclass(frozen=True)
class BucketSTS(SpecObject):
    """Fetch temporary credentials for a Bucket from a Security Token Service (``spec.sts``).

    provider: ``aws`` (with Bucket provider aws) or ``ldap`` (with generic).
    endpoint: the service's ``http(s)://`` URL. secret_ref (``username`` and
    ``password``) and cert_secret_ref (``tls.crt``/``tls.key``/``ca.crt``): ldap only.
    """

    SPEC_KEYS: ClassVar[Mapping[str, str | tuple[str, ...]]] = {"secret_ref": "secretRef.name", "cert_secret_ref": "certSecretRef.name"}

    provider: str
    endpoint: str
    secret_ref: str | None = None
    cert_secret_ref: str | None = None

    def __post_init__(self) -> None:
        validation.one_of("sts.provider", self.provider, tuple(BUCKET_STS_PROVIDERS.values()))
        validation.url("sts.endpoint", self.endpoint, ("https", "http"), "https://sts.amazonaws.com")
        if self.provider == "aws":
            for name in ("secret_ref", "cert_secret_ref"):
                if getattr(self, name) is not None:
                    raise ValidationError(f"sts.{name}", getattr(self, name), "the aws STS authenticates with the controller's identity", f"drop {name}")
        optional(validation.dns1123_subdomain, "sts.secret_ref", self.secret_ref)
        optional(validation.dns1123_subdomain, "sts.cert_secret_ref", self.cert_secret_ref)

    def to_spec(self) -> dict[str, Any]:
        return compact(
            {
                "provider": self.provider,
                "endpoint": self.endpoint,
                "secretRef": secret_ref("sts.secret_ref", self.secret_ref),
                "certSecretRef": secret_ref("sts.cert_secret_ref", self.cert_secret_ref),
            }
        )


# --- GitRepository -------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class GitRepositoryProps(FluxObjectProps):
    """A GitRepository, as ``flux create source git`` takes it.

    url: ``ssh://``, ``https://`` or ``http://`` (Flux refuses the scp-like
    ``git@host:path``). ref: what to check out (the CLI asks for one; unset,
    Flux checks out the ``master`` branch). interval: default ``1m0s``.
    secret_ref: SSH key or HTTPS credentials; proxy_secret_ref: the proxy to
    reach the host (both Secrets in the namespace). provider: ``generic``,
    ``aws``, ``azure`` or ``github`` (a GitHub App); service_account_name, whose
    workload identity to use, only with azure or aws. ignore: gitignore lines
    of files to leave out, a string or a list. timeout: of Git operations (no
    hours; Flux: 60s). include: other GitRepositories' files copied in.
    sparse_checkout: only these folders are checked out. verify: check the
    OpenPGP signature of the commit or tag. recurse_submodules: check out
    submodules too. suspend: stop reconciling.
    """

    KIND: ClassVar[str] = "GitRepository"
    SPEC_KEYS: ClassVar[Mapping[str, str | tuple[str, ...]]] = {"secret_ref": "secretRef.name", "proxy_secret_ref": "proxySecretRef.name"}

    url: str
    ref: GitRepositoryRef | None = None
    interval: str = "1m0s"
    secret_ref: str | None = None
    proxy_secret_ref: str | None = None
    provider: str | None = None
    service_account_name: str | None = None
    recurse_submodules: bool = False
    ignore: str | Sequence[str] | None = None
    timeout: str | None = None
    include: Sequence[GitRepositoryInclude] = ()
    sparse_checkout: Sequence[str] = ()
    verify: GitVerification | None = None
    suspend: bool = False

    def _make_spec(self) -> dict[str, Any]:
        if self.ref is not None and not isinstance(self.ref, GitRepositoryRef):
            raise ValidationError("ref", self.ref, "not a GitRepositoryRef", "write ref=GitRepositoryRef(branch='main')")
        if self.service_account_name is not None and self.provider not in ("azure", "aws"):
            raise ValidationError(
                "service_account_name", self.service_account_name, "only the azure and aws providers use a service account", "set provider='azure' or 'aws', or drop it"
            )
        includes = []
        for index, item in enumerate(validation.items("include", self.include)):
            if not isinstance(item, GitRepositoryInclude):
                raise ValidationError(f"include[{index}]", item, "not a GitRepositoryInclude", "write GitRepositoryInclude(repository=other_repo)")
            includes.append(item.to_spec(self.namespace))
        return compact(
            {
                "url": flux_git_url("url", self.url),
                "ref": self.ref.to_spec() if self.ref else None,
                "interval": validation.flux_duration("interval", self.interval),
                "secretRef": secret_ref("secret_ref", self.secret_ref),
                "proxySecretRef": secret_ref("proxy_secret_ref", self.proxy_secret_ref),
                "provider": optional(validation.one_of, "provider", self.provider, GIT_PROVIDERS),
                "serviceAccountName": _secret_name("service_account_name", self.service_account_name),
                "recurseSubmodules": flag("recurse_submodules", self.recurse_submodules),
                "ignore": ignore_text("ignore", self.ignore),
                "timeout": optional(validation.flux_duration, "timeout", self.timeout, hours=False),
                "include": includes or None,
                "sparseCheckout": list(validation.strings("sparse_checkout", self.sparse_checkout)) or None,
                "verify": verify.to_spec() if (verify := nested("verify", self.verify, GitVerification)) else None,
                "suspend": flag("suspend", self.suspend),
            }
        )


class GitRepository(FluxResource):
    """A Flux GitRepository: a branch, tag or commit of a Git repository as an artifact."""

    props_type = GitRepositoryProps

    @overload
    def __init__(self, scope: Construct, id: str, props: GitRepositoryProps) -> None: ...
    @overload
    @keyword_options(GitRepositoryProps)
    def __init__(self, scope: Construct, id: str, /) -> None: ...
    def __init__(self, scope: Construct, id: str, props: GitRepositoryProps | None = None, **options: Any) -> None:
        super().__init__(scope, id, props, **options)


# --- OCIRepository -------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class OCIRepositoryProps(FluxObjectProps):
    """An OCIRepository, as ``flux create source oci`` takes it.

    url: ``oci://registry/repository``, without tag. ref: a tag, semver range or
    digest (the CLI asks for one; unset, Flux pulls ``latest``). provider: default
    ``generic`` (the CLI's), or aws, azure, gcp; ``None`` leaves it to Flux.
    interval: how often to look for a new artifact, default ``1m0s``. secret_ref:
    a docker-registry Secret for the registry login. cert_secret_ref: client
    certificate and CA for the registry. proxy_secret_ref: the proxy to reach it
    through. service_account_name: whose image pull secrets to use. verify:
    check cosign or notation signatures. layer_selector: which layer to use and
    whether to extract it. ignore: gitignore lines of files to leave out.
    insecure: plain HTTP. timeout: of registry calls (no hours; Flux: 60s).
    suspend: stop reconciling.
    """

    KIND: ClassVar[str] = "OCIRepository"
    SPEC_KEYS: ClassVar[Mapping[str, str | tuple[str, ...]]] = {"secret_ref": "secretRef.name", "cert_secret_ref": "certSecretRef.name", "proxy_secret_ref": "proxySecretRef.name"}

    url: str
    ref: OCIRepositoryRef | None = None
    interval: str = "1m0s"
    provider: str | None = "generic"
    secret_ref: str | None = None
    cert_secret_ref: str | None = None
    proxy_secret_ref: str | None = None
    service_account_name: str | None = None
    verify: Verification | None = None
    layer_selector: LayerSelector | None = None
    ignore: str | Sequence[str] | None = None
    insecure: bool = False
    timeout: str | None = None
    suspend: bool = False

    def _make_spec(self) -> dict[str, Any]:
        ref = nested("ref", self.ref, OCIRepositoryRef)
        return compact(
            {
                "url": _oci_url("url", self.url),
                "ref": ref.to_spec() if ref else None,
                "interval": validation.flux_duration("interval", self.interval),
                "provider": optional(check_provider, "provider", self.provider),
                "secretRef": secret_ref("secret_ref", self.secret_ref),
                "certSecretRef": secret_ref("cert_secret_ref", self.cert_secret_ref),
                "proxySecretRef": secret_ref("proxy_secret_ref", self.proxy_secret_ref),
                "serviceAccountName": _secret_name("service_account_name", self.service_account_name),
                "verify": verify.to_spec() if (verify := nested("verify", self.verify, Verification)) else None,
                "layerSelector": selector.to_spec() if (selector := nested("layer_selector", self.layer_selector, LayerSelector)) else None,
                "ignore": ignore_text("ignore", self.ignore),
                "insecure": flag("insecure", self.insecure),
                "timeout": optional(validation.flux_duration, "timeout", self.timeout, hours=False),
                "suspend": flag("suspend", self.suspend),
            }
        )


def _access_from(value: AccessControl | None) -> dict[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, AccessControl):
        raise ValidationError("access_from", value, "not an AccessFrom", "write access_from=AccessFrom(namespace_selectors=[NamespaceSelector(match_labels={...})])")
    return value.to_spec()


def _oci_url(field_name: str, value: str) -> str:
    validation.url(field_name, value, ("oci",), "oci://ghcr.io/org/app")
    return value


class OCIRepository(FluxResource):
    """A Flux OCIRepository: an OCI artifact (``flux push artifact``, a Helm chart) as an artifact."""

    props_type = OCIRepositoryProps

    @overload
    def __init__(self, scope: Construct, id: str, props: OCIRepositoryProps) -> None: ...
    @overload
    @keyword_options(OCIRepositoryProps)
    def __init__(self, scope: Construct, id: str, /) -> None: ...
    def __init__(self, scope: Construct, id: str, props: OCIRepositoryProps | None = None, **options: Any) -> None:
        super().__init__(scope, id, props, **options)


# --- HelmRepository ------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class HelmRepositoryProps(FluxObjectProps):
    """A HelmRepository, as ``flux create source helm`` takes it.

    url: ``https://`` (or ``http://``) for a chart index, ``oci://`` for an OCI
    registry; the type follows from the scheme as with the CLI (``type`` may be
    given, and must agree). provider: OCI only (generic, aws, azure, gcp).
    pass_credentials: send the credentials of secret_ref to other hosts (needs
    secret_ref). interval: default ``1m0s``. secret_ref: basic auth, TLS or
    registry login. cert_secret_ref: client certificate and CA. insecure:
    plain HTTP to an OCI registry. timeout: of index downloads (no hours).
    access_from: namespaces allowed to use it (in the schema, not enforced by
    Flux yet). suspend: stop reconciling.
    """

    KIND: ClassVar[str] = "HelmRepository"
    SPEC_KEYS: ClassVar[Mapping[str, str | tuple[str, ...]]] = {"secret_ref": "secretRef.name", "cert_secret_ref": "certSecretRef.name"}

    url: str
    type: str | None = None
    interval: str = "1m0s"
    provider: str | None = None
    secret_ref: str | None = None
    pass_credentials: bool = False
    cert_secret_ref: str | None = None
    insecure: bool = False
    timeout: str | None = None
    access_from: AccessControl | None = None
    suspend: bool = False

    @property
    def is_oci(self) -> bool:
        """Whether the repository is an OCI registry."""
        return isinstance(self.url, str) and self.url.startswith("oci://")

    def _make_spec(self) -> dict[str, Any]:
        validation.url("url", self.url, ("http", "https", "oci"), "https://charts.example.com or oci://ghcr.io/org/charts")
        wanted = "oci" if self.is_oci else "default"
        if self.type is not None and self.type != wanted:
            raise ValidationError(
                "type", self.type, f"the URL {self.url} makes this a {wanted!r} repository", "drop type=; the URL scheme decides it"
            )
        if self.provider is not None and not self.is_oci:
            raise ValidationError("provider", self.provider, "only OCI Helm repositories use a provider", "drop it, or use an oci:// URL")
        if self.pass_credentials and self.secret_ref is None:
            raise ValidationError("pass_credentials", True, "there are no credentials to pass", "set secret_ref too, or drop it")
        if self.insecure and not self.is_oci:
            raise ValidationError("insecure", True, "only applies to OCI registries", "use an http:// URL for a plain-HTTP chart index")
        return compact(
            {
                "url": self.url,
                "type": "oci" if self.is_oci else self.type,
                "interval": validation.flux_duration("interval", self.interval),
                "provider": optional(check_provider, "provider", self.provider),
                "secretRef": secret_ref("secret_ref", self.secret_ref),
                "passCredentials": flag("pass_credentials", self.pass_credentials),
                "certSecretRef": secret_ref("cert_secret_ref", self.cert_secret_ref),
                "insecure": flag("insecure", self.insecure),
                "timeout": optional(validation.flux_duration, "timeout", self.timeout, hours=False),
                "accessFrom": _access_from(self.access_from),
                "suspend": flag("suspend", self.suspend),
            }
        )


class HelmRepository(FluxResource):
    """A Flux HelmRepository: a Helm chart index or an OCI registry of charts."""

    props_type = HelmRepositoryProps

    @overload
    def __init__(self, scope: Construct, id: str, props: HelmRepositoryProps) -> None: ...
    @overload
    @keyword_options(HelmRepositoryProps)
    def __init__(self, scope: Construct, id: str, /) -> None: ...
    def __init__(self, scope: Construct, id: str, props: HelmRepositoryProps | None = None, **options: Any) -> None:
        super().__init__(scope, id, props, **options)


# --- HelmChart -----------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class HelmChartProps(FluxObjectProps):
    """A HelmChart, as ``flux create source chart`` takes it.

    chart: the chart's name in a HelmRepository, or its path in a GitRepository
    or Bucket. source: that HelmRepository, GitRepository or Bucket (same
    namespace: Flux resolves it there). version: a semver range, HelmRepository
    sources only (default: Flux's ``*``). reconcile_strategy: default
    ``ChartVersion`` (a new artifact for each chart version; ``Revision`` also
    for each source revision). interval: default ``1m0s``. values_files: values
    files of the chart merged, in order, into its values.yaml;
    ignore_missing_values_files: skip one that is missing instead of failing.
    verify: check the chart's cosign or notation signature (HelmRepository
    sources only). suspend: stop reconciling.
    """

    KIND: ClassVar[str] = "HelmChart"
    SPEC_KEYS: ClassVar[Mapping[str, str | tuple[str, ...]]] = {"source": "sourceRef"}

    chart: str
    source: HelmChartSource
    version: str | None = None
    reconcile_strategy: str = "ChartVersion"
    interval: str = "1m0s"
    values_files: Sequence[str] = ()
    ignore_missing_values_files: bool = False
    verify: Verification | None = None
    suspend: bool = False

    def _make_spec(self) -> dict[str, Any]:
        source = local_ref(self.source, "source", _HELM_CHART_SOURCES, self.namespace, kind=True)
        if self.version is not None and source["kind"] != "HelmRepository":
            raise ValidationError("version", self.version, f"Flux ignores it for charts from a {source['kind']}", "drop it; the chart in the source is used")
        if self.verify is not None and source["kind"] != "HelmRepository":
            raise ValidationError("verify", self.verify, "Flux verifies only charts from a HelmRepository", "drop it")
        return compact(
            {
                "chart": validation.string("chart", self.chart, max_length=2048),
                "sourceRef": _source_ref(self.source, source),
                "version": optional(validation.semver_range, "version", self.version),
                "reconcileStrategy": validation.one_of("reconcile_strategy", self.reconcile_strategy, RECONCILE_STRATEGIES),
                "interval": validation.flux_duration("interval", self.interval),
                "valuesFiles": list(validation.strings("values_files", self.values_files)) or None,
                "ignoreMissingValuesFiles": flag("ignore_missing_values_files", self.ignore_missing_values_files),
                "verify": verify.to_spec(trusted_root=False) if (verify := nested("verify", self.verify, Verification)) else None,
                "suspend": flag("suspend", self.suspend),
            }
        )


class HelmChart(FluxResource):
    """A Flux HelmChart: one chart of a HelmRepository, GitRepository or Bucket, packaged as an artifact."""

    props_type = HelmChartProps

    @overload
    def __init__(self, scope: Construct, id: str, props: HelmChartProps) -> None: ...
    @overload
    @keyword_options(HelmChartProps)
    def __init__(self, scope: Construct, id: str, /) -> None: ...
    def __init__(self, scope: Construct, id: str, props: HelmChartProps | None = None, **options: Any) -> None:
        super().__init__(scope, id, props, **options)


# --- Bucket --------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class BucketProps(FluxObjectProps):
    """A Bucket, as ``flux create source bucket`` takes it.

    bucket_name: the bucket. endpoint: ``host[:port]`` without a scheme (use
    insecure for plain HTTP); for provider ``azure`` the account URL
    ``https://<account>.blob.core.windows.net``. provider: default ``generic``
    (the CLI's), or aws, gcp, azure. region: the bucket's region. prefix: only
    objects under this key prefix. secret_ref: static credentials, or
    service_account_name for workload identity (not both; none with generic).
    cert_secret_ref: client certificate and CA. proxy_secret_ref: the proxy to
    reach the endpoint. sts: temporary credentials from a token service (aws or
    generic providers). ignore: gitignore lines of objects to leave out.
    insecure: plain HTTP. timeout: of bucket calls (no hours). suspend: stop
    reconciling. interval: default ``1m0s``.
    """

    KIND: ClassVar[str] = "Bucket"
    SPEC_KEYS: ClassVar[Mapping[str, str | tuple[str, ...]]] = {"secret_ref": "secretRef.name", "cert_secret_ref": "certSecretRef.name", "proxy_secret_ref": "proxySecretRef.name"}

    bucket_name: str | Var
    endpoint: str
    provider: str = "generic"
    region: str | None = None
    prefix: str | None = None
    interval: str = "1m0s"
    secret_ref: str | None = None
    service_account_name: str | None = None
    cert_secret_ref: str | None = None
    proxy_secret_ref: str | None = None
    ignore: str | Sequence[str] | None = None
    insecure: bool = False
    timeout: str | None = None
    sts: BucketSTS | None = None
    suspend: bool = False

    def _make_spec(self) -> dict[str, Any]:
        validation.one_of("provider", self.provider, BUCKET_PROVIDERS)
        sts = nested("sts", self.sts, BucketSTS)
        if sts is not None and BUCKET_STS_PROVIDERS.get(self.provider) != sts.provider:
            wanted = BUCKET_STS_PROVIDERS.get(self.provider)
            fix = f"use BucketSTS(provider={wanted!r}, ...)" if wanted else "drop sts, or use provider 'aws' or 'generic'"
            raise ValidationError("sts.provider", sts.provider, f"a {self.provider} Bucket takes {'a ' + wanted + ' STS' if wanted else 'no STS'}", fix)
        if not isinstance(self.bucket_name, (str, Var)) or not admits(lambda v: _BUCKET_NAME.match(v) is not None, self.bucket_name, "bucket_name"):
            raise ValidationError("bucket_name", self.bucket_name, "not a bucket name", "use 3 to 223 lowercase letters, digits, '.', '-' and '_'")
        _bucket_endpoint(self.endpoint, self.provider)
        if self.service_account_name is not None:
            if self.provider == "generic":
                raise ValidationError("service_account_name", self.service_account_name, "the generic provider has no workload identity", "use secret_ref, or provider aws, gcp or azure")
            if self.secret_ref is not None:
                raise ValidationError("service_account_name", self.service_account_name, "set together with secret_ref", "authenticate with one of them")
        return compact(
            {
                "bucketName": text(self.bucket_name),
                "endpoint": self.endpoint,
                "provider": self.provider,
                "region": optional(validation.string, "region", self.region),
                "prefix": optional(validation.string, "prefix", self.prefix),
                "interval": validation.flux_duration("interval", self.interval),
                "secretRef": secret_ref("secret_ref", self.secret_ref),
                "serviceAccountName": _secret_name("service_account_name", self.service_account_name),
                "certSecretRef": secret_ref("cert_secret_ref", self.cert_secret_ref),
                "proxySecretRef": secret_ref("proxy_secret_ref", self.proxy_secret_ref),
                "ignore": ignore_text("ignore", self.ignore),
                "insecure": flag("insecure", self.insecure),
                "timeout": optional(validation.flux_duration, "timeout", self.timeout, hours=False),
                "sts": sts.to_spec() if sts else None,
                "suspend": flag("suspend", self.suspend),
            }
        )


def _bucket_endpoint(endpoint: object, provider: str) -> None:
    if provider == "azure":
        validation.url("endpoint", endpoint, ("https", "http"), "https://<account>.blob.core.windows.net")  # type: ignore[arg-type]
        return
    if not isinstance(endpoint, str) or not _HOST_PORT.match(endpoint):
        fix = "write host[:port] only, such as 'minio.example.com:9000' or 's3.amazonaws.com'"
        if isinstance(endpoint, str) and "://" in endpoint:
            fix = f"drop the scheme: endpoint={endpoint.split('://', 1)[1].rstrip('/')!r} (and insecure=True for plain HTTP)"
        raise ValidationError("endpoint", endpoint, "not a host[:port]", fix)


class Bucket(FluxResource):
    """A Flux Bucket: the objects of an S3-compatible, GCS or Azure bucket as an artifact."""

    props_type = BucketProps

    @overload
    def __init__(self, scope: Construct, id: str, props: BucketProps) -> None: ...
    @overload
    @keyword_options(BucketProps)
    def __init__(self, scope: Construct, id: str, /) -> None: ...
    def __init__(self, scope: Construct, id: str, props: BucketProps | None = None, **options: Any) -> None:
        super().__init__(scope, id, props, **options)


#: What a HelmChart (or a HelmRelease's ``chart_source``) builds its chart from.
HelmChartSource: TypeAlias = HelmRepository | GitRepository | Bucket | ObjectRef
#: Another GitRepository (``GitRepositoryInclude.repository``, an ImageUpdateAutomation's source).
GitRepositoryReference: TypeAlias = GitRepository | ObjectRef
_HELM_CHART_SOURCES = accepts(HelmChartSource)
_GIT_REPOSITORIES = accepts(GitRepositoryReference)


__all__ = [
    "AccessControl",
    "Bucket",
    "BucketProps",
    "BucketSTS",
    "GitRepository",
    "GitRepositoryInclude",
    "GitRepositoryProps",
    "GitRepositoryRef",
    "GitRepositoryReference",
    "GitVerification",
    "HelmChart",
    "HelmChartProps",
    "HelmChartSource",
    "HelmRepository",
    "HelmRepositoryProps",
    "LayerSelector",
    "OCIRepository",
    "OCIRepositoryProps",
    "OCIRepositoryRef",
    "OIDCIdentity",
    "ObjectRef",
    "Verification",
]
