"""config stage of the posbt engine."""
