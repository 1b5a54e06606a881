"""``cdk8s-flux bootstrap``: the first install of Flux on a cluster, from the app's own FluxInstall and FluxSync.

``bundle`` picks the install and sync objects out of the rendered app and orders
them with the source Secret as ``flux bootstrap`` applies them; ``secret`` makes
(or keeps) that Secret; ``apply`` turns the bundle into kubectl command lines;
``private`` writes the files that hold a secret (mode 0600, never where git would
take them); ``flow`` is the whole command: render once, credentials, deliver,
export or apply.
"""
