"""The whole ``cdk8s-flux bootstrap``: render once, make the source Secret, deliver, then export or apply.

1. The app is rendered once, with the checks of every delivery; its FluxInstall
   and its one FluxSync are found before anything is written.
2. The source Secret is made (or kept: from the cluster with ``context``, or from
   the bundle file written before), and the deploy key is reported.
3. The manifests are delivered as ``publish`` (GitTarget) or ``push`` (OciTarget)
   deliver them, from the same rendering. The Secret is not among them.
4. The bundle (install, Secret, sync) is written where asked (mode 0600), and with
   ``context`` applied by kubectl in ``flux bootstrap``'s order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cdk8s_flux import validation
from cdk8s_flux.bootstrap.apply import DEFAULT_TIMEOUT, Step, apply_plan, read_cluster_secret, run_plan
from cdk8s_flux.bootstrap.bundle import Bundle, make_bundle, secret_in
from cdk8s_flux.bootstrap.private import refuse_in_git, write_private
from cdk8s_flux.bootstrap.secret import Confirm, SecretOptions, SourceSecret, make_source_secret
from cdk8s_flux.credentials.secret import secret_value
from cdk8s_flux.errors import CdkFluxError, ValidationError
from cdk8s_flux.pipeline import CheckPolicy, Rendered, render
from cdk8s_flux.progress import Progress, plural, silent
from cdk8s_flux.target import GitTarget


class KeyNotAddedError(CdkFluxError):
    """The user said the new deploy key is not on the git host yet: bootstrap stops before the sync."""

    exit_code = 1


@dataclass(frozen=True)
class BootstrapOptions:
    """What bootstrap does besides delivering; the defaults are the CLI's.

    secret: how the source Secret is made. context: the kubeconfig context to apply the
    bundle to (None: no cluster is touched). export: produce the bundle (to ``output``,
    else returned for stdout). private_key_output: also write the deploy key's private
    key there (mode 0600); nowhere by default. wait_timeout: how long the controllers may take
    to become available. remote, allow_dirty: as publish and push take them.
    creds, insecure_registry: how push reaches the registry (OciTarget).
    """

    secret: SecretOptions = field(default_factory=SecretOptions)
    context: str | None = None
    export: bool = False
    output: Path | None = None
    private_key_output: Path | None = None
    wait_timeout: str = DEFAULT_TIMEOUT
    remote: str = "origin"
    allow_dirty: bool = False
    creds: str | None = field(default=None, repr=False)
    insecure_registry: bool = False

    def __post_init__(self) -> None:
        if self.context is None and not self.export:
            raise ValidationError(
                "context", None, "bootstrap needs a cluster to apply to, or the bundle to export",
                "give --context NAME (a kubeconfig context), or --export (and -o FILE) to apply it yourself",
            )
        if self.output is not None and not self.export:
            raise ValidationError("output", str(self.output), "only the exported bundle is written to a file", "add --export")
        validation.go_duration("wait_timeout", self.wait_timeout)
        if self.context is not None and not self.context.strip():
            raise ValidationError("context", self.context, "empty", "give the name of a kubeconfig context (kubectl config get-contexts)")


@dataclass(frozen=True)
class BootstrapResult:
    """What bootstrap did: the delivery's status, the Secret's origin, the bundle, the steps applied."""

    delivery: str
    where: str
    source: SourceSecret
    bundle: Bundle
    bundle_text: str = field(repr=False)
    #: The bundle file was written (False: it already held exactly this); None: no file.
    written: bool | None = None
    applied: tuple[Step, ...] = ()

    def as_json(self) -> dict[str, Any]:
        """What ``--format json`` prints: never a Secret value, the public key at most."""
        target = self.bundle.sync.target
        return {
            "delivery": self.delivery,
            "where": self.where,
            "target": target.url,
            "secret": None if self.bundle.secret is None else {
                "name": self.bundle.secret["metadata"]["name"], "namespace": self.bundle.namespace, "origin": self.source.origin,
            },
            "deploy_key": self.source.public_key.rstrip() if self.source.public_key else None,
            "deploy_key_fingerprint": self.source.fingerprint,
            "bundle_file_written": self.written,
            "applied": [step.what for step in self.applied],
        }


def _existing_secret(options: BootstrapOptions, name: str | None, namespace: str, progress: Progress) -> dict[str, Any] | None:
    """The source Secret that exists already: in the cluster, else in the bundle file written before."""
    if name is None:
        return None
    if options.context is not None:
        found = read_cluster_secret(options.context, namespace, name)
        if found is not None:
            progress(f"keeping the Secret {namespace}/{name} the cluster already has (its deploy key stays)")
            return found
    if options.output is not None and Path(options.output).is_file():
        found = secret_in(Path(options.output).read_text(), name, namespace)
        if found is not None:
            progress(f"keeping the Secret {namespace}/{name} of {options.output} (its deploy key stays)")
            return found
    return None


def _uses_image_automation(objects: list[dict[str, Any]]) -> bool:
    return any(o.get("kind") == "ImageUpdateAutomation" for o in objects)


def bootstrap(
    app_dir: Path,
    options: BootstrapOptions,
    policy: CheckPolicy,
    command: str | None = None,
    repo: Path | None = None,
    progress: Progress = silent,
    verbose: bool = False,
    timeout: float | None = None,
    confirm: Confirm | None = None,
    show_key: Progress | None = None,
    key_added: Callable[[], bool] | None = None,
) -> BootstrapResult:
    """Bootstrap the app in ``app_dir``: the whole ``cdk8s-flux bootstrap``.

    confirm: asked to trust scanned host keys (None: they must be pinned or listed in a file).
    show_key: where the deploy key and what to do with it are told (default: ``progress``).
    key_added: with ``context``, asked before applying whether a new deploy key was added
    to the git host (None: not asked; Flux retries until it is).
    """
    from cdk8s_flux.app import load_app_config
    from cdk8s_flux.bootstrap.secret import deploy_key_message
    from cdk8s_flux.source import open_repository, source_commit

    for name, path in (("output", options.output), ("private_key_output", options.private_key_output)):
        if path is not None:
            refuse_in_git(name, Path(path))
    config = load_app_config(Path(app_dir), command, timeout)
    source_commit(open_repository(Path(repo) if repo else config.directory))  # fail fast, before the app runs
    rendered = render(config, policy, deliver=True, verbose=verbose, progress=progress)
    draft = make_bundle(rendered.objects, rendered.targets)
    sync = draft.sync
    progress(f"bootstrapping {plural(len(draft.install), 'install object')} and the sync of {sync.target.url} in {sync.namespace}")
    existing = _existing_secret(options, sync.secret_name, sync.namespace, progress)
    source = make_source_secret(sync, options.secret, existing, confirm, progress)
    bundle = Bundle(install=draft.install, sync=sync, secret=source.secret)
    if source.public_key and isinstance(sync.target, GitTarget):
        (show_key or progress)(deploy_key_message(source, sync.target.url, _uses_image_automation(rendered.objects)))
    if options.private_key_output is not None and source.secret is not None:
        identity = secret_value(source.secret, "identity")
        if identity is None:
            raise ValidationError("private_key_output", str(options.private_key_output), "the source Secret holds no private key", "drop it")
        write_private(Path(options.private_key_output), identity)
        progress(f"wrote the private key to {options.private_key_output} (mode 0600)")
    if isinstance(sync.target, GitTarget):
        delivery, where = _publish(app_dir, options, policy, sync.target, repo, rendered, progress)
    else:
        delivery, where = _push(app_dir, options, policy, repo, rendered, progress)
    text = bundle.text()
    written = None
    if options.export and options.output is not None:
        written = write_private(Path(options.output), text)
        progress(f"{'wrote' if written else 'unchanged:'} the apply bundle {options.output} (mode 0600; it holds the Secret: keep it out of git)")
    applied: tuple[Step, ...] = ()
    if options.context is not None:
        applied = apply_plan(bundle, options.context, options.wait_timeout)
        # As flux bootstrap: the install and the Secret first, then the user adds a new key, then the sync.
        run_plan(applied[:-1], progress)
        if source.public_key and source.origin != "kept" and key_added is not None and not key_added():
            raise KeyNotAddedError(
                f"the deploy key is not on the git host yet, so the sync of {sync.target.url} was not applied (the install and "
                "the Secret were). Fix: add the key, then run bootstrap again: it keeps the Secret now in the cluster, and its key"
            )
        run_plan(applied[-1:], progress)
        progress(f"applied to context {options.context}: Flux syncs {sync.target.url} from now on")
    return BootstrapResult(delivery, where, source, bundle, text, written, applied)


def _publish(app_dir: Path, options: BootstrapOptions, policy: CheckPolicy, target: GitTarget, repo: Path | None, rendered: Rendered, progress: Progress) -> tuple[str, str]:
    from cdk8s_flux.publish import PublishOptions, publish

    publish_options = PublishOptions(remote=options.remote, branch=target.branch, path=target.path or ".", allow_dirty=options.allow_dirty)
    result = publish(Path(app_dir), publish_options, policy, repo=repo, progress=progress, rendered=rendered)
    return result.status, result.target


def _push(app_dir: Path, options: BootstrapOptions, policy: CheckPolicy, repo: Path | None, rendered: Rendered, progress: Progress) -> tuple[str, str]:
    from cdk8s_flux.oci.push import PushOptions, push

    push_options = PushOptions(creds=options.creds, insecure_registry=options.insecure_registry, remote=options.remote, allow_dirty=options.allow_dirty)
    result = push(Path(app_dir), push_options, policy, repo=repo, progress=progress, rendered=rendered)
    return result.status, result.url
