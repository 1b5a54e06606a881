"""The seed application of the examples: hello-kubernetes behind a Service."""

from __future__ import annotations

import cdk8s
import cdk8s_plus_27 as kplus
from constructs import Construct

from cdk8s_flux.kube import api_object

IMAGE = "paulbouwer/hello-kubernetes:1.7"
PORT = 8080


class HelloKubernetes(cdk8s.Chart):
    """A Deployment of hello-kubernetes on port 8080 and a Service in front of it."""

    def __init__(self, scope: Construct, id: str, *, namespace: str = "default", replicas: int = 2) -> None:
        super().__init__(scope, id, namespace=namespace)
        if namespace != "default":
            # api_object keeps the chart's namespace off cluster-scoped kinds such as Namespace.
            api_object(self, "Namespace", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}})
        deployment = kplus.Deployment(
            self,
            "Deployment",
            replicas=replicas,
            containers=[
                kplus.ContainerProps(
                    image=IMAGE,
                    port_number=PORT,
                    # The image's Node runtime writes to /tmp, so the root filesystem stays writable.
                    security_context=kplus.ContainerSecurityContextProps(
                        ensure_non_root=True, user=1000, read_only_root_filesystem=False
                    ),
                )
            ],
        )
        deployment.expose_via_service(name="hello-kubernetes", ports=[kplus.ServicePort(port=80, target_port=PORT)])
