"""Flux image automation for apps whose manifests are generated: the pins file, its setter markers, the checks.

``pins``: the committed image pins file and ``ImagePins.load``. ``setters``: the
image-automation-controller's markers, read and applied as it applies them.
``checks``: what synth and ``cdk8s-flux images check`` refuse. ``automation``:
the constructs (``ImageAutomation``, ``ImageUpdates``).
"""
