"""The apply plan: the bundle as the kubectl command lines that put it on a cluster, in ``flux bootstrap``'s order.

1. the install's CRDs and Namespaces, server-side applied, and waited for (CRDs
   established); 2. the rest of the install, and the controllers waited for
   (Deployments available); 3. the source Secret; 4. the sync. Server-side apply
   with flux's field manager makes every step idempotent: a re-run changes nothing
   that is already there. Objects go to kubectl on stdin, never on its command line,
   so the Secret shows in no process list.

The order is that of ``Run`` in fluxcd/flux2 ``pkg/bootstrap/bootstrap.go`` at v2.9.4:
components, then the source Secret, then the sync configuration.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field

from cdk8s_flux.bootstrap.bundle import Bundle, is_cluster_definition
from cdk8s_flux.credentials.export import export_secret
from cdk8s_flux.errors import CdkFluxError
from cdk8s_flux.manifests import dump_documents
from cdk8s_flux.progress import Progress, silent

#: The field manager of flux's own apply (``flux bootstrap``, ``flux install``).
FIELD_MANAGER = "flux"
#: How long the CRDs and Namespaces may take, as flux waits for them.
CRD_TIMEOUT = "1m"
#: How long the controllers may take to become available (flux's ``--timeout`` default).
DEFAULT_TIMEOUT = "5m"


class ApplyError(CdkFluxError):
    """kubectl failed on a step of the plan; the message names the step, never a Secret value."""

    exit_code = 1


@dataclass(frozen=True)
class Step:
    """One kubectl run: what it does, its command line, and the objects it reads on stdin."""

    what: str
    argv: tuple[str, ...]
    stdin: str | None = field(default=None, repr=False)


def _kubectl(context: str, *args: str) -> tuple[str, ...]:
    return ("kubectl", "--context", context, *args)


def _apply(context: str) -> tuple[str, ...]:
    return _kubectl(context, "apply", "--server-side", "--force-conflicts", f"--field-manager={FIELD_MANAGER}", "-f", "-")


def apply_plan(bundle: Bundle, context: str, timeout: str = DEFAULT_TIMEOUT) -> tuple[Step, ...]:
    """The steps that apply ``bundle`` to the cluster of kubeconfig context ``context``."""
    definitions = [o for o in bundle.install if is_cluster_definition(o)]
    rest = [o for o in bundle.install if not is_cluster_definition(o)]
    crds = [f"customresourcedefinition/{o['metadata']['name']}" for o in definitions if o["kind"] == "CustomResourceDefinition"]
    deployments = [f"deployment/{o['metadata']['name']}" for o in rest if o.get("kind") == "Deployment"]
    steps = [Step("install: CRDs and namespaces", _apply(context), dump_documents(definitions))]
    if crds:
        steps.append(Step("wait: CRDs established", _kubectl(context, "wait", "--for=condition=Established", f"--timeout={CRD_TIMEOUT}", *crds)))
    steps.append(Step("install: controllers", _apply(context), dump_documents(rest)))
    if deployments:
        steps.append(Step(
            "wait: controllers available",
            _kubectl(context, "--namespace", bundle.namespace, "wait", "--for=condition=Available", f"--timeout={timeout}", *deployments),
        ))
    if bundle.secret is not None:
        steps.append(Step("source Secret", _apply(context), export_secret(bundle.secret)))
    steps.append(Step("sync", _apply(context), dump_documents([bundle.sync.source, bundle.sync.kustomization])))
    return tuple(steps)


def read_secret_command(context: str, namespace: str, name: str) -> tuple[str, ...]:
    """The kubectl command that reads the source Secret if the cluster has it (empty output: it has not)."""
    return _kubectl(context, "--namespace", namespace, "get", "secret", name, "--ignore-not-found", "--output=json")


Runner = Callable[..., "subprocess.CompletedProcess[str]"]


def _kubectl_binary() -> None:
    if shutil.which("kubectl") is None:
        raise ApplyError("kubectl is not installed. Fix: install kubectl, or use --export and apply the bundle where kubectl is")


def run_plan(steps: tuple[Step, ...], progress: Progress = silent, runner: Runner = subprocess.run) -> None:
    """Run the steps in order; the first failure stops the plan, naming the step and kubectl's last line."""
    _kubectl_binary()
    for step in steps:
        progress(f"{step.what}: {' '.join(step.argv[:6])} ...")
        result = runner(list(step.argv), input=step.stdin, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            last = (result.stderr or "").strip().splitlines()[-1:] or [f"exit status {result.returncode}"]
            raise ApplyError(f"{step.what} failed: {last[0]}. Fix: check the context and access, then run bootstrap again (it is idempotent)")


def read_cluster_secret(context: str, namespace: str, name: str, runner: Runner = subprocess.run) -> dict[str, object] | None:
    """The source Secret as the cluster holds it, or None when it has none."""
    import json

    _kubectl_binary()
    result = runner(list(read_secret_command(context, namespace, name)), capture_output=True, text=True, check=False)
    if result.returncode != 0:
        last = (result.stderr or "").strip().splitlines()[-1:] or [f"exit status {result.returncode}"]
        raise ApplyError(f"reading Secret {namespace}/{name} failed: {last[0]}. Fix: check the context and access")
    if not result.stdout.strip():
        return None
    secret = json.loads(result.stdout)
    return {k: secret[k] for k in ("apiVersion", "kind", "metadata", "data", "stringData", "type") if k in secret} | {
        "metadata": {k: v for k, v in secret["metadata"].items() if k in ("name", "namespace", "labels")}
    }
