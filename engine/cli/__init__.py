"""The ``posbt`` command line: one click group per module, registered in ``main``."""
