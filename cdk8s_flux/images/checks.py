"""What synth and ``cdk8s-flux images check`` refuse: pins and policies that do not match, automation aimed at publish's branch.

The checks read plain objects (dicts) and the pins file, so the constructs run
them at synth time (``Node.add_validation``) and the command runs them on a
rendered app, with one piece of code.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import urlsplit

from cdk8s_flux.images.pins import ImagePins
from cdk8s_flux.images.setters import Setter
from cdk8s_flux.target import GitTarget, repo_path, targets_in

#: On an ImagePolicy made by ``ImageAutomation``: the pins entry it updates.
PIN_ANNOTATION = "cdk8s-flux.io/image-pin"
_DEFAULT_NAMESPACE = "flux-system"


def _meta(obj: dict[str, Any]) -> tuple[str, str]:
    metadata = obj.get("metadata") or {}
    return (metadata.get("namespace") or _DEFAULT_NAMESPACE, metadata.get("name", ""))


def _of_kind(objects: Iterable[dict[str, Any]], kind: str) -> dict[tuple[str, str], dict[str, Any]]:
    return {
        _meta(o): o
        for o in objects
        if o.get("kind") == kind and str(o.get("apiVersion", "")).startswith(("image.toolkit.fluxcd.io/", "source.toolkit.fluxcd.io/"))
    }


def _registry_name(image: str) -> str:
    """An image repository as a registry names it: ``nginx`` is ``docker.io/library/nginx``."""
    first, _, rest = image.partition("/")
    if not rest:
        return f"docker.io/library/{image}"
    if "." not in first and ":" not in first and first != "localhost":
        return f"docker.io/{image}"
    return image.replace("index.docker.io/", "docker.io/", 1)


def pin_problems(pins: ImagePins, objects: Sequence[dict[str, Any]]) -> list[str]:
    """The markers of one pins file: a policy the app lacks, a repository spelled otherwise, a digest not reflected."""
    problems = []
    policies = _of_kind(objects, "ImagePolicy")
    repositories = _of_kind(objects, "ImageRepository")
    for entry, pin in sorted(pins.pins.items()):
        where = f"{pins.path}: images.{entry}"
        for namespace, name in sorted(pin.policies):
            keys = ", ".join(key for key, setter in sorted(pin.setters.items()) if setter.policy == (namespace, name))
            policy = policies.get((namespace, name))
            if policy is None:
                known = ", ".join(f"{ns}:{n}" for ns, n in sorted(policies)) or "none"
                problems.append(
                    f"{where} ({keys}): the marker names ImagePolicy {namespace}/{name}, which the app does not define (it defines: {known}). "
                    "Fix: name one of them in the marker, or define the policy with ImageAutomation"
                )
                continue
            spec = policy.get("spec") or {}
            ref = spec.get("imageRepositoryRef") or {}
            repository = repositories.get((ref.get("namespace") or namespace, ref.get("name", "")))
            image = str((repository.get("spec") or {}).get("image", "")) if repository is not None else None
            if image is not None and image != pin.ref.name:
                # Flux writes the name as the ImageRepository spells it, so another spelling changes at its first run.
                if _registry_name(image) == _registry_name(pin.ref.name):
                    fix = f"spell it {image}, as the ImageRepository does (Flux writes that spelling)"
                else:
                    fix = f"pin an image of {image}, or point the policy at {pin.ref.name}"
                problems.append(f"{where}: pins {pin.ref.name}, but its policy {namespace}/{name} picks tags of {image}. Fix: {fix}")
            if (pin.ref.digest or "digest" in pin.setters) and spec.get("digestReflectionPolicy", "Never") == "Never":
                problems.append(
                    f"{where}: pins a digest, but policy {namespace}/{name} reflects none (digestReflectionPolicy Never), so Flux would write "
                    "an empty digest. Fix: set digest_reflection_policy='IfNotPresent' (or 'Always' with an interval)"
                )
    return problems


def entry_problems(pins: Sequence[ImagePins], objects: Sequence[dict[str, Any]]) -> list[str]:
    """Automated images (ImagePolicies of ``ImageAutomation``) without their entry, or whose entry lacks their marker.

    An app may read several pins files: an entry counts in any of them.
    """
    problems = []
    files = ", ".join(str(one.path) for one in pins) or "no pins file"
    for policy_key, policy in sorted(_of_kind(objects, "ImagePolicy").items()):
        automated = ((policy.get("metadata") or {}).get("annotations") or {}).get(PIN_ANNOTATION)
        if automated is None:
            continue
        entries = [(one, one.pins[automated]) for one in pins if automated in one.pins]
        marker = Setter(*policy_key).comment()
        named = f"ImagePolicy {policy_key[0]}/{policy_key[1]}"
        if not entries:
            problems.append(
                f"{files}: the app automates image {automated!r} ({named}) and no pins file has an entry for it. "
                f"Fix: run 'cdk8s-flux images init', or add the entry {automated} with image: REF {marker}"
            )
        elif not any(policy_key in entry.policies for _, entry in entries):
            where = entries[0][0].path
            problems.append(
                f"{where}: images.{automated} carries no marker of {named}, so Flux never updates it. Fix: end its image line with {marker}"
            )
    return problems


def _branch_of(automation: dict[str, Any], sources: dict[tuple[str, str], dict[str, Any]]) -> tuple[str | None, str | None]:
    """The url the automation pushes to and the branch it writes (push branch, else checkout branch, else the source's)."""
    spec = automation.get("spec") or {}
    ref = spec.get("sourceRef") or {}
    namespace = ref.get("namespace") or _meta(automation)[0]
    source = sources.get((namespace, ref.get("name", "")))
    url = (source.get("spec") or {}).get("url") if source else None
    git = spec.get("git") or {}
    branch = (git.get("push") or {}).get("branch") or ((git.get("checkout") or {}).get("ref") or {}).get("branch")
    if branch is None and source is not None:
        branch = ((source.get("spec") or {}).get("ref") or {}).get("branch")
    return url, branch


def _repository(url: str) -> str:
    """A git url as the repository it names: ``ssh://git@host/org/app.git`` and ``https://host/org/app`` are one."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    return f"{host}/{parts.path.strip('/').removesuffix('.git')}"


def _overlap(a: str, b: str) -> bool:
    pa, pb = PurePosixPath(a or "."), PurePosixPath(b or ".")
    return a == "" or b == "" or pa == pb or pa in pb.parents or pb in pa.parents


def publish_problems(objects: Sequence[dict[str, Any]]) -> list[str]:
    """ImageUpdateAutomations that write where ``publish`` writes: their commits would be replaced by the next publish."""
    problems = []
    sources = _of_kind(objects, "GitRepository")
    git_targets = [t for t in targets_in(objects) if isinstance(t, GitTarget)]
    for key, automation in sorted(_of_kind(objects, "ImageUpdateAutomation").items()):
        url, branch = _branch_of(automation, sources)
        path = repo_path("update.path", str(((automation.get("spec") or {}).get("update") or {}).get("path", "")))
        for target in git_targets:
            same_repository = url is None or _repository(url) == _repository(target.url)
            if same_repository and branch == target.branch and _overlap(path, target.path):
                problems.append(
                    f"ImageUpdateAutomation {key[0]}/{key[1]}: writes branch {branch!r} path {path or '.'!r}, which publish owns (its commits would be overwritten by the next publish). "
                    "Fix: point it at the source branch that holds the pins file (checkout_branch=, or push_branch= for a pull request) and update_path= at that file"
                )
    return problems


def _selects(selector: dict[str, Any] | None, labels: dict[str, str]) -> bool:
    """Whether a Kubernetes label selector (unset: everything) selects these labels."""
    if not selector:
        return True
    if any(labels.get(key) != value for key, value in (selector.get("matchLabels") or {}).items()):
        return False
    for requirement in selector.get("matchExpressions") or ():
        key, operator, values = requirement.get("key"), requirement.get("operator"), requirement.get("values") or []
        present = key in labels
        if (
            (operator == "In" and not (present and labels[key] in values))
            or (operator == "NotIn" and present and labels[key] in values)
            or (operator == "Exists" and not present)
            or (operator == "DoesNotExist" and present)
        ):
            return False
    return True


def applied_problems(objects: Sequence[dict[str, Any]]) -> list[str]:
    """Automated images no ImageUpdateAutomation of the app applies: the controller reads only the policies of its
    own namespace that its policy selector selects. An app without one is left alone (its automation may live elsewhere)."""
    automations = _of_kind(objects, "ImageUpdateAutomation")
    if not automations:
        return []
    found = []
    for (namespace, name), policy in sorted(_of_kind(objects, "ImagePolicy").items()):
        metadata = policy.get("metadata") or {}
        if PIN_ANNOTATION not in (metadata.get("annotations") or {}):
            continue
        labels = metadata.get("labels") or {}
        if not any(key[0] == namespace and _selects((a.get("spec") or {}).get("policySelector"), labels) for key, a in automations.items()):
            listed = ", ".join(f"{ns}/{n}" for ns, n in sorted(automations))
            found.append(
                f"ImagePolicy {namespace}/{name}: no ImageUpdateAutomation of the app applies it ({listed}): the controller reads only "
                f"the policies of its own namespace that its policy_selector selects. Fix: make the ImageUpdates in namespace {namespace!r}, "
                "or give the policy the labels its selector asks for"
            )
    return found


def overlap_problems(objects: Sequence[dict[str, Any]]) -> list[str]:
    """Two ImageUpdateAutomations writing the same branch and path of one repository: their commits would race."""
    sources = _of_kind(objects, "GitRepository")
    seen: list[tuple[tuple[str, str], str | None, str | None, str]] = []
    found = []
    for key, automation in sorted(_of_kind(objects, "ImageUpdateAutomation").items()):
        url, branch = _branch_of(automation, sources)
        path = repo_path("update.path", str(((automation.get("spec") or {}).get("update") or {}).get("path", "")))
        for other, other_url, other_branch, other_path in seen:
            if (
                url is not None
                and other_url is not None
                and _repository(url) == _repository(other_url)
                and branch == other_branch
                and _overlap(path, other_path)
            ):
                found.append(
                    f"ImageUpdateAutomation {key[0]}/{key[1]}: writes branch {branch!r} path {path or '.'!r} of the repository "
                    f"ImageUpdateAutomation {other[0]}/{other[1]} writes too, so their commits would race. Fix: keep one per source repository (one ImageUpdates with every pins file)"
                )
        seen.append((key, url, branch, path))
    return found


def problems(objects: Sequence[dict[str, Any]], pins: Iterable[ImagePins]) -> list[str]:
    """Every image automation problem of an app: its objects and the pins files it reads."""
    files = list(pins)
    found = publish_problems(objects) + overlap_problems(objects) + applied_problems(objects)
    for one in files:
        found += pin_problems(one, objects)
    return found + entry_problems(files, objects)
