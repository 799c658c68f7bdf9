"""``posbt excel install | uninstall | doctor``: the Excel side's set-up, in Python (the
installer scripts are thin wrappers that stop on the first error)."""
