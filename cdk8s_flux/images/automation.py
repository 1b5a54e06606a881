"""The constructs of the image automation loop: one per automated image, one per source repository.

``ImageAutomation`` makes the ImageRepository and ImagePolicy of one pins entry and
knows the marker that entry carries. ``ImageUpdates`` makes the ImageUpdateAutomation
that commits new pins to the source branch (or a pull-request branch), never to the
branch ``publish`` writes. Both add the checks of ``cdk8s_flux.images.checks`` to
the app, so every ``cdk8s synth`` runs them.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, overload

from constructs import Construct

from cdk8s_flux import validation
from cdk8s_flux.errors import ValidationError
from cdk8s_flux.images.checks import PIN_ANNOTATION
from cdk8s_flux.images.pins import ImagePins, Pin
from cdk8s_flux.images.setters import Setter
from cdk8s_flux.images.synth import add_checks
from cdk8s_flux.props import keyword_options, resolve_props
from cdk8s_flux.target import repo_path
from cdk8s_flux.v2.image import ImagePolicy, ImageRepository, ImageUpdateAutomation, LabelSelector, Policy, TagFilter
from cdk8s_flux.v2.resource import DEFAULT_NAMESPACE
from cdk8s_flux.v2.sources import GitRepositoryReference


@dataclass(frozen=True, kw_only=True)
class ImageAutomationProps:
    """One automated image.

    pins: the app's ``ImagePins``. entry: its entry in the file (default the construct
    id). policy: which tag is the latest (``SemverPolicy``, ``AlphabeticalPolicy``,
    ``NumericalPolicy``); filter_tags: narrow the tags first. digest_reflection_policy:
    default ``IfNotPresent`` when the entry pins a digest, else Flux's ``Never``;
    policy_interval: how often to look the digest up again, with ``Always`` only.

    The ImageRepository is made here from image (the repository to scan, default the
    pinned image's name), interval (how often to scan, default ``1m0s``), secret_ref,
    provider and exclusion_list (as on ``ImageRepository``); or pass repository= an
    ``ImageRepository`` of the app, shared by several policies or with more options.

    name, namespace: of the objects made (default the entry and ``flux-system``); labels:
    theirs too, such as the ones an ImageUpdateAutomation's policy_selector asks for.
    """

    pins: ImagePins
    policy: Policy
    entry: str | None = None
    image: str | None = None
    repository: ImageRepository | None = None
    filter_tags: TagFilter | None = None
    digest_reflection_policy: str | None = None
    policy_interval: str | None = None
    interval: str | None = None
    secret_ref: str | None = None
    provider: str | None = None
    exclusion_list: Sequence[str] | None = None
    name: str | None = None
    namespace: str = DEFAULT_NAMESPACE
    labels: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.pins, ImagePins):
            raise ValidationError("pins", self.pins, "not ImagePins", "pass pins=ImagePins.load('images.yaml')")
        if self.namespace is None:
            raise ValidationError("namespace", None, "a marker names its policy's namespace, so the policy needs one", "set namespace= (default flux-system)")
        validation.dns1123_label("namespace", self.namespace)
        if self.repository is not None:
            if not isinstance(self.repository, ImageRepository):
                raise ValidationError("repository", self.repository, "not an ImageRepository", "pass the ImageRepository construct, or image= to make one")
            given = [f for f in ("image", "interval", "secret_ref", "provider", "exclusion_list") if getattr(self, f) is not None]
            if given:
                raise ValidationError(", ".join(given), "set", "the repository is given, so these would not be used", "set them on the ImageRepository, or drop repository=")


class ImageAutomation(Construct):
    """Automation for one pinned image: its ImageRepository, its ImagePolicy and the marker its entry carries."""

    @overload
    def __init__(self, scope: Construct, id: str, props: ImageAutomationProps) -> None: ...
    @overload
    @keyword_options(ImageAutomationProps)
    def __init__(self, scope: Construct, id: str, /) -> None: ...
    def __init__(self, scope: Construct, id: str, props: ImageAutomationProps | None = None, **options: Any) -> None:
        super().__init__(scope, id)
        props = resolve_props("ImageAutomation", ImageAutomationProps, props, options)
        self.props = props
        self.entry = props.entry if props.entry is not None else id
        name = props.name if props.name is not None else self.entry
        validation.flux_name("name", name)
        pin = props.pins.pins.get(self.entry)
        reflection = props.digest_reflection_policy
        if reflection is None and pin is not None and (pin.ref.digest or "digest" in pin.setters):
            reflection = "IfNotPresent"
        self.repository = props.repository if props.repository is not None else self._repository(name, pin)
        self.policy = ImagePolicy(
            self, "Policy", name=name, namespace=props.namespace, labels=props.labels, annotations={PIN_ANNOTATION: self.entry},
            image_repository=self.repository,
            policy=props.policy, filter_tags=props.filter_tags, digest_reflection_policy=reflection, interval=props.policy_interval,
        )  # fmt: skip
        self.setter = Setter(props.namespace, name)
        add_checks(self, [props.pins])

    def _repository(self, name: str, pin: Pin | None) -> ImageRepository:
        props = self.props
        image = props.image if props.image is not None else (pin.ref.name if pin is not None else None)
        if image is None:
            raise ValidationError(
                "image", None, f"{props.pins.path} has no entry {self.entry!r} to take the repository from",
                "pass image='REGISTRY/PATH', then run 'cdk8s-flux images init'",
            )  # fmt: skip
        return ImageRepository(
            self, "Repository", name=name, namespace=props.namespace, labels=props.labels, image=image, interval=props.interval or "1m0s",
            secret_ref=props.secret_ref, provider=props.provider, exclusion_list=props.exclusion_list,
        )  # fmt: skip

    @property
    def marker(self) -> str:
        """The comment the entry's image line ends with: ``# {"$imagepolicy": "flux-system:web"}``."""
        return self.setter.comment()

    @property
    def image(self) -> str:
        """The pinned image (what a container's ``image`` takes)."""
        return self.props.pins[self.entry]


@dataclass(frozen=True, kw_only=True)
class ImageUpdatesProps:
    """The ImageUpdateAutomation of one source repository.

    source: its GitRepository (the one holding the app's code, not the manifests
    branch). pins: the pins files it updates; update_path: default their common
    folder relative to the repository root (found from the files' git work tree).
    checkout_branch: the source branch (default the GitRepository's). push_branch: push
    to this branch instead, for a pull request; push_refspec, push_options: how the
    server opens one (Gerrit's ``refs/for/main``, GitLab's ``merge_request.create``).
    author_email (required), author_name, message_template (a Go template over the
    changes, default Flux's message), message_template_values, signing_key_secret /
    signing_key_type, interval (default ``1m0s``): as on ``ImageUpdateAutomation``.
    policy_selector: apply only the ImagePolicies with these labels (unset: all of its
    namespace; the controller reads no other namespace). name, namespace: of the object
    (default the id, ``flux-system``).
    """

    source: GitRepositoryReference
    author_email: str
    pins: Sequence[ImagePins] = ()
    update_path: str | None = None
    checkout_branch: str | None = None
    push_branch: str | None = None
    push_refspec: str | None = None
    push_options: Mapping[str, str] | None = None
    author_name: str | None = None
    message_template: str | None = None
    message_template_values: Mapping[str, str] | None = None
    signing_key_secret: str | None = None
    signing_key_type: str | None = None
    policy_selector: LabelSelector | None = None
    interval: str = "1m0s"
    name: str | None = None
    namespace: str = DEFAULT_NAMESPACE


class ImageUpdates(Construct):
    """The ImageUpdateAutomation that commits new image pins to a source repository."""

    @overload
    def __init__(self, scope: Construct, id: str, props: ImageUpdatesProps) -> None: ...
    @overload
    @keyword_options(ImageUpdatesProps)
    def __init__(self, scope: Construct, id: str, /) -> None: ...
    def __init__(self, scope: Construct, id: str, props: ImageUpdatesProps | None = None, **options: Any) -> None:
        super().__init__(scope, id)
        props = resolve_props("ImageUpdates", ImageUpdatesProps, props, options)
        self.props = props
        pins = list(props.pins)
        for i, one in enumerate(pins):
            if not isinstance(one, ImagePins):
                raise ValidationError(f"pins[{i}]", one, "not ImagePins", "pass pins=[ImagePins.load('images.yaml')]")
        path = repo_path("update_path", props.update_path if props.update_path is not None else _common_path(pins))
        if props.update_path is not None:
            for one in pins:
                where = _in_work_tree(one.path, required=False)
                if where is not None and path and where != path and not where.startswith(path + "/"):
                    raise ValidationError(
                        "update_path", props.update_path, f"does not cover the pins file {where}, so Flux would never update it",
                        f"set update_path={where!r} (or a folder holding it), or leave it unset",
                    )  # fmt: skip
        self.automation = ImageUpdateAutomation(
            self, "Resource", name=props.name if props.name is not None else id, namespace=props.namespace,
            source=props.source, author_email=props.author_email, author_name=props.author_name,
            checkout_branch=props.checkout_branch, push_branch=props.push_branch, push_refspec=props.push_refspec,
            push_options=props.push_options, message_template=props.message_template,
            message_template_values=props.message_template_values,
            signing_key_secret=props.signing_key_secret, signing_key_type=props.signing_key_type,
            update_path="./" + path, policy_selector=props.policy_selector, interval=props.interval,
        )  # fmt: skip
        add_checks(self, pins)


def _common_path(pins: Sequence[ImagePins]) -> str:
    """The folder holding every pins file, relative to their git work tree's root."""
    if not pins:
        raise ValidationError("update_path", None, "no pins and no path", "pass pins=[ImagePins.load(...)] or update_path='apps/web/images.yaml'")
    relative = {str(_in_work_tree(p.path)) for p in pins}
    if len(relative) == 1:
        return relative.pop()
    return os.path.commonpath(sorted(relative))


def _in_work_tree(path: Path, required: bool = True) -> str | None:
    """The file's path relative to the root of the git work tree holding it."""
    absolute = path.resolve()
    for folder in absolute.parents:
        if (folder / ".git").exists():
            return absolute.relative_to(folder).as_posix()
    if not required:
        return None
    raise ValidationError(
        "update_path",
        str(path),
        "the pins file is in no git work tree, so its path in the repository is unknown",
        "pass update_path= (the file's path in the source repository)",
    )
