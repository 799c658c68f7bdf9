"""domain stage of the posbt engine."""
