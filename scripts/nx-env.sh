# Sourced by the repo's scripts: keep Nx offline, quiet and daemon-free (no cloud, no
# analytics prompt, no self-install from the registry).
export NX_DAEMON=false NX_NO_CLOUD=true NX_USE_LOCAL=true NX_TUI=false
