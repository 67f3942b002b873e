# striprtf marks itself typed (py.typed) but annotates nothing; the one function the vault uses.
