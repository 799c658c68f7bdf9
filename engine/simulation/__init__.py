"""simulation stage of the posbt engine."""
