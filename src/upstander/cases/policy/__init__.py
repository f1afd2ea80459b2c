"""Policy packs: a jurisdiction's misconduct process as data, read, checked and modelled."""
